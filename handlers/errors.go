package handlers

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
)

// apiError is the JSON body of every API error (docs/protocol.md, "HTTP").
type apiError struct {
	Code             place.Code `json:"code"`
	Message          string     `json:"message"`
	RemainingSeconds int        `json:"remainingSeconds,omitempty"`
}

func toAPIError(err error) (int, apiError) {
	code := place.ErrorCode(err)
	body := apiError{Code: code, Message: place.ErrorMessage(err)}
	var e *place.Error
	if errors.As(err, &e) {
		body.RemainingSeconds = e.RemainingSeconds
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.status, body
	}
	return httpStatus(code), body
}

// httpStatus maps an error code to its HTTP status.
func httpStatus(code place.Code) int {
	switch code {
	case place.EINVALIDMESSAGE, place.EINVALIDCOORDS, place.EINVALIDCOLOR, place.EVALIDATION:
		return http.StatusBadRequest
	case place.EUNAUTHORIZED, place.EINVALIDCREDENTIAL:
		return http.StatusUnauthorized
	case place.EFORBIDDEN, place.EBANNED, place.EJOINCODE, place.EAREAPROTECTED, place.EACCOUNTREQUIRED, place.ECHALLENGE:
		return http.StatusForbidden
	case place.ENOTFOUND:
		return http.StatusNotFound
	case place.EUSERNAMETAKEN, place.ECANVASNOTOPEN, place.ECANVASPAUSED, place.ECANVASCLOSED:
		return http.StatusConflict
	case place.ERATELIMITED, place.ETOOMANYMESSAGES, place.ETOOMANYATTEMPTS, place.EADDRESSBUDGET:
		return http.StatusTooManyRequests
	case place.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// statusError is an error answered with a status other than its code's
// (413 for a body too large, with the code VALIDATION_ERROR).
type statusError struct {
	err    *place.Error
	status int
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

func writeJSONError(w http.ResponseWriter, err error) {
	status, body := toAPIError(err)
	if body.RemainingSeconds > 0 {
		w.Header().Set("Retry-After", itoa(body.RemainingSeconds))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// errorHandler is echo's HTTPErrorHandler: the one place where errors become
// responses. Internal errors are logged with details and shown generically.
func (w *web) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			err = place.Errorf(place.ENOTFOUND, "Not found.")
		case http.StatusMethodNotAllowed:
			err = &place.Error{Code: place.EVALIDATION, Message: "Method not allowed."}
			// echo has set the Allow header already.
			writeJSONErrorStatus(c.Response(), http.StatusMethodNotAllowed, err)
			return
		case http.StatusRequestEntityTooLarge:
			err = errBodyTooLarge
		default:
			if he.Code < 500 {
				err = place.Errorf(place.EVALIDATION, "Bad request.")
			} else {
				w.log.Error("request failed", "err", he, "path", c.Request().URL.Path)
				err = errors.New("internal")
			}
		}
	} else if place.ErrorCode(err) == place.EINTERNAL {
		w.log.Error("request failed", "err", err, "path", c.Request().URL.Path, "method", c.Request().Method)
	}
	if wantsHTML(c.Request()) {
		w.renderErrorPage(c, err)
		return
	}
	writeJSONError(c.Response(), err)
}

func writeJSONErrorStatus(w http.ResponseWriter, status int, err error) {
	_, body := toAPIError(err)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
