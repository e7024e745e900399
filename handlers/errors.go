package handlers

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
)

// apiError is the JSON body of every API error (SPEC §5).
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
	return place.HTTPStatus(code), body
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
func (s *Server) errorHandler(err error, c echo.Context) {
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
			c.Response().Header().Set("Allow", c.Response().Header().Get("Allow"))
			writeJSONErrorStatus(c.Response(), http.StatusMethodNotAllowed, err)
			return
		case http.StatusRequestEntityTooLarge:
			err = errBodyTooLarge
		default:
			if he.Code < 500 {
				err = place.Errorf(place.EVALIDATION, "Bad request.")
			} else {
				s.log.Error("request failed", "err", he, "path", c.Request().URL.Path)
				err = errors.New("internal")
			}
		}
	} else if place.ErrorCode(err) == place.EINTERNAL {
		s.log.Error("request failed", "err", err, "path", c.Request().URL.Path, "method", c.Request().Method)
	}
	if wantsHTML(c.Request()) {
		s.renderErrorPage(c, err)
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

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
