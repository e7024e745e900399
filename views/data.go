// Package views holds the templ components of the server-rendered pages.
package views

import "github.com/placecanvas/place"

// UserInfo is the signed-in user as pages show it.
type UserInfo struct {
	ID, Username     string
	IsGuest, IsAdmin bool
}

// PageData is the data of the canvas page.
type PageData struct {
	Title                          string
	User                           *UserInfo
	Width, Height, CooldownSeconds int
	Palette                        [16]place.Color
	CSRF                           string
	Flash                          string
}

// ErrorData is the data of an error page.
type ErrorData struct {
	Status  int
	Code    string
	Message string
	User    *UserInfo
}
