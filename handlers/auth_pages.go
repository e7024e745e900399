package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place/views"
)

// loginPage serves GET /login.
func (s *accountPages) loginPage(c echo.Context) error {
	return render(c, http.StatusOK, views.LoginPage(views.AuthPageData{User: s.viewUser(c)}))
}

// loginSubmit serves POST /login: a form that works without JavaScript.
// Success goes back to the canvas (303); a failure shows the form again
// with the message and the status of the error.
func (s *accountPages) loginSubmit(c echo.Context) error {
	cr, err := readCredentials(c)
	if err == nil {
		_, err = s.login(c, cr)
	}
	if err != nil {
		status, msg, ok := formFailure(c, err)
		if !ok {
			return err
		}
		return render(c, status, views.LoginPage(views.AuthPageData{User: s.viewUser(c), Username: cr.Username, Error: msg}))
	}
	return c.Redirect(http.StatusSeeOther, "/")
}

// registerPage serves GET /register.
func (s *accountPages) registerPage(c echo.Context) error {
	return render(c, http.StatusOK, views.RegisterPage(views.AuthPageData{User: s.viewUser(c)}))
}

// registerSubmit serves POST /register, like loginSubmit.
func (s *accountPages) registerSubmit(c echo.Context) error {
	cr, err := readCredentials(c)
	if err == nil {
		_, err = s.register(c, cr)
	}
	if err != nil {
		status, msg, ok := formFailure(c, err)
		if !ok {
			return err
		}
		return render(c, status, views.RegisterPage(views.AuthPageData{User: s.viewUser(c), Username: cr.Username, Error: msg}))
	}
	return c.Redirect(http.StatusSeeOther, "/")
}

// logoutSubmit serves POST /logout, the layout's log-out button.
func (s *accountPages) logoutSubmit(c echo.Context) error {
	if err := s.logout(s.ctx(c)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/")
}
