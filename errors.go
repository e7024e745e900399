package place

import (
	"errors"
	"fmt"
)

// Code is a machine-readable error code shared by the HTTP API and the
// WebSocket protocol (docs/protocol.md, "Errors").
type Code string

// The error vocabulary of docs/protocol.md ("Errors").
const (
	EINVALIDMESSAGE    Code = "INVALID_MESSAGE"
	EINVALIDCOORDS     Code = "INVALID_COORDS"
	EINVALIDCOLOR      Code = "INVALID_COLOR"
	ERATELIMITED       Code = "RATE_LIMITED"
	EBANNED            Code = "BANNED"
	ETOOMANYMESSAGES   Code = "TOO_MANY_MESSAGES"
	EUNAVAILABLE       Code = "SERVICE_UNAVAILABLE"
	EUNAUTHORIZED      Code = "UNAUTHORIZED"
	EFORBIDDEN         Code = "FORBIDDEN"
	EVALIDATION        Code = "VALIDATION_ERROR"
	EUSERNAMETAKEN     Code = "USERNAME_TAKEN"
	EINVALIDCREDENTIAL Code = "INVALID_CREDENTIALS"
	ETOOMANYATTEMPTS   Code = "TOO_MANY_ATTEMPTS"
	ENOTFOUND          Code = "NOT_FOUND"
	EINTERNAL          Code = "INTERNAL_ERROR"
	// EJOINCODE: the organiser set a join code and this player has not
	// joined with the current one (the QR code or /join/CODE).
	EJOINCODE Code = "JOIN_CODE_REQUIRED"

	// Placement refused by the rules of an event (docs/protocol.md).
	ECANVASNOTOPEN   Code = "CANVAS_NOT_OPEN" // scheduled: opens later
	ECANVASPAUSED    Code = "CANVAS_PAUSED"
	ECANVASCLOSED    Code = "CANVAS_CLOSED"
	EAREAPROTECTED   Code = "AREA_PROTECTED"
	EACCOUNTREQUIRED Code = "ACCOUNT_REQUIRED" // guests may not place now
)

// Error is an error meant to be shown to a client: a code, a message that is
// safe to display, and optional metadata such as the seconds to wait.
type Error struct {
	Code             Code
	Message          string
	RemainingSeconds int // set with ERATELIMITED and ETOOMANYATTEMPTS, and EUNAVAILABLE when a retry time is known
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, EINTERNAL for any error that is not an
// *Error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of err; internal errors get a
// generic message so that details never leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrUnavailable is returned by stores when a backing service is down.
var ErrUnavailable = &Error{Code: EUNAVAILABLE, Message: "The service is temporarily unavailable; try again shortly."}
