package handlers

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/event"
	"github.com/placecanvas/place/placing"
	"github.com/placecanvas/place/realtime"
	"github.com/placecanvas/place/views"
)

// eventPages are the routes of running an event: the admin pages of its
// settings, protected areas and templates, and the public event state,
// areas, templates and final image.
type eventPages struct {
	*web
	liveCanvas
	auditLog
	live       *event.Live
	store      EventAssets
	history    HistoryReader // an area rollback waits for the history
	placements *placing.Service
	costly     *costly // the previews and template checks
	// health is told when a template is added or deleted, and gives the
	// templates page its counts (nil: no template health).
	health *templateHealth
}

// adminSettings serves GET /admin/settings.
func (s *eventPages) adminSettings(c echo.Context) error {
	st := s.live.Settings()
	return s.renderSettings(c, http.StatusOK, views.FormFromSettings(st), "")
}

func (s *eventPages) renderSettings(c echo.Context, status int, form views.SettingsForm, errMsg string) error {
	ctx := s.ctx(c)
	_, _, ferr := s.store.FinalImage(ctx)
	return render(c, status, views.AdminSettings(views.AdminSettingsData{
		User: infoOf(adminOf(c)), Settings: s.live.Settings(), State: s.live.State(),
		Effective: s.live.Cooldown(), Online: s.live.Online(), Form: form,
		Flash: s.sessions.PopString(ctx, keyFlash), Error: errMsg, HasFinal: ferr == nil,
	}))
}

// settingsFailed shows the form again with a validation message; any other
// error goes to the error handler.
func (s *eventPages) settingsFailed(c echo.Context, form views.SettingsForm, err error) error {
	var e *place.Error
	if errors.As(err, &e) && e.Code == place.EVALIDATION {
		return s.renderSettings(c, http.StatusBadRequest, form, e.Message)
	}
	return err
}

// settingsForm reads the settings form.
func settingsForm(c echo.Context) views.SettingsForm {
	return views.SettingsForm{
		Cooldown: strings.TrimSpace(c.FormValue("cooldown")), GuestLimit: strings.TrimSpace(c.FormValue("guest_limit")),
		BatchMS: strings.TrimSpace(c.FormValue("batch_ms")), OpensAt: strings.TrimSpace(c.FormValue("opens_at")),
		ClosesAt: strings.TrimSpace(c.FormValue("closes_at")), Charges: strings.TrimSpace(c.FormValue("charges")),
		Scale: c.FormValue("scale") == "1", Guests: c.FormValue("guests") == "1",
	}
}

// apply puts the form's values into st.
func applySettingsForm(f views.SettingsForm, st place.Settings) (place.Settings, error) {
	secs, err := strconv.ParseFloat(f.Cooldown, 64)
	if err != nil || math.IsNaN(secs) || math.IsInf(secs, 0) || secs < 0 || secs > place.MaxCooldown.Seconds() {
		return st, place.Errorf(place.EVALIDATION, "The cooldown must be a number of seconds from 0 to %d.", int(place.MaxCooldown.Seconds()))
	}
	st.Cooldown = time.Duration(secs * float64(time.Second)).Round(time.Millisecond)
	if st.GuestLimit, err = strconv.Atoi(f.GuestLimit); err != nil {
		return st, place.Errorf(place.EVALIDATION, "The identity limit must be a whole number.")
	}
	if f.Charges == "" {
		f.Charges = strconv.Itoa(st.ChargeLimit()) // a form from before charges keeps them
	}
	if st.Charges, err = strconv.Atoi(f.Charges); err != nil || st.Charges < 1 || st.Charges > place.MaxCharges {
		return st, place.Errorf(place.EVALIDATION, "Charges must be a whole number from 1 to %d.", place.MaxCharges)
	}
	ms, err := strconv.Atoi(f.BatchMS)
	if err != nil {
		return st, place.Errorf(place.EVALIDATION, "The broadcast interval must be a whole number of milliseconds.")
	}
	st.BatchInterval = time.Duration(ms) * time.Millisecond
	if st.OpensAt, err = optionalTime(f.OpensAt, "opening time"); err != nil {
		return st, err
	}
	if st.ClosesAt, err = optionalTime(f.ClosesAt, "end time"); err != nil {
		return st, err
	}
	st.ScaleCooldown, st.GuestPlacement = f.Scale, f.Guests
	return st, nil
}

func optionalTime(v, what string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := parseSince(v)
	if err != nil {
		return t, place.Errorf(place.EVALIDATION, "The %s must be a time such as 2030-05-01T12:00 (UTC).", what)
	}
	return t.UTC().Truncate(time.Second), nil
}

// adminSettingsSave serves POST /admin/settings. Nothing changes when any
// value is refused; a change applies on every instance within a second and
// lands in the audit log with the old and new values.
func (s *eventPages) adminSettingsSave(c echo.Context) error {
	ctx := s.ctx(c)
	form := settingsForm(c)
	old, updated, err := s.live.UpdateSettings(ctx, func(st place.Settings) (place.Settings, error) {
		return applySettingsForm(form, st)
	})
	if err != nil {
		return s.settingsFailed(c, form, err)
	}
	diff := settingsDiff(old, updated)
	if diff == "" {
		return s.afterSettings(c, "Nothing changed.")
	}
	if err := s.audit(ctx, adminOf(c), place.User{}, "settings", diff); err != nil {
		return err
	}
	return s.afterSettings(c, "Saved: "+diff+".")
}

func (s *eventPages) afterSettings(c echo.Context, msg string) error {
	s.sessions.Put(s.ctx(c), keyFlash, msg)
	return c.Redirect(http.StatusSeeOther, "/admin/settings")
}

// adminSettingsState serves POST /admin/settings/state (field action:
// pause, resume, open, close or reopen; message with pause).
func (s *eventPages) adminSettingsState(c echo.Context) error {
	ctx := s.ctx(c)
	action := c.FormValue("action")
	msg := strings.TrimSpace(c.FormValue("message"))
	now := s.now().UTC().Truncate(time.Millisecond)
	old, updated, err := s.live.UpdateSettings(ctx, func(st place.Settings) (place.Settings, error) {
		return changeState(st, action, msg, now)
	})
	if err != nil {
		return s.settingsFailed(c, views.FormFromSettings(s.live.Settings()), err)
	}
	detail := fmt.Sprintf("state: %s → %s", old.State(now), updated.State(now))
	if action == "pause" && msg != "" {
		detail += "; message: " + msg
	}
	if err := s.audit(ctx, adminOf(c), place.User{}, action, detail); err != nil {
		return err
	}
	return s.afterSettings(c, "Canvas "+string(updated.State(now))+".")
}

// changeState applies an admin's state action to st.
func changeState(st place.Settings, action, msg string, now time.Time) (place.Settings, error) {
	state := st.State(now)
	switch {
	case action == "pause" && state == place.StateOpen:
		st.Paused, st.PauseMessage = true, msg
	case action == "resume" && state == place.StatePaused:
		st.Paused, st.PauseMessage = false, ""
	case action == "open" && state == place.StateScheduled:
		st.OpensAt = time.Time{}
	case action == "close" && state != place.StateClosed:
		st.ClosedAt = now
	case action == "reopen" && state == place.StateClosed:
		st.ClosedAt, st.Paused, st.PauseMessage = time.Time{}, false, ""
		if !st.ClosesAt.IsZero() && !now.Before(st.ClosesAt) {
			st.ClosesAt = time.Time{}
		}
	case action == "pause" || action == "resume" || action == "open" || action == "close" || action == "reopen":
		return st, place.Errorf(place.EVALIDATION, "The canvas is %s; it cannot %s now.", state, action)
	default:
		return st, place.Errorf(place.EVALIDATION, "Unknown action; use pause, resume, open, close or reopen.")
	}
	return st, nil
}

// settingsDiff lists what changed between two settings, as name: old → new.
func settingsDiff(a, b place.Settings) string {
	var parts []string
	add := func(name string, x, y any) {
		if fmt.Sprint(x) != fmt.Sprint(y) {
			parts = append(parts, fmt.Sprintf("%s: %v → %v", name, x, y))
		}
	}
	add("cooldown", a.Cooldown, b.Cooldown)
	add("charges", a.ChargeLimit(), b.ChargeLimit())
	add("scale cooldown", a.ScaleCooldown, b.ScaleCooldown)
	add("guest placement", a.GuestPlacement, b.GuestPlacement)
	add("identity limit", a.GuestLimit, b.GuestLimit)
	add("batch interval", a.BatchInterval, b.BatchInterval)
	add("opens at", timeWords(a.OpensAt), timeWords(b.OpensAt))
	add("closes at", timeWords(a.ClosesAt), timeWords(b.ClosesAt))
	return strings.Join(parts, "; ")
}

func timeWords(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.UTC().Format(time.RFC3339)
}

// eventState serves GET /api/v1/event: the state message of the
// WebSocket, as JSON.
func (s *eventPages) eventState(c echo.Context) error {
	_, _, err := s.store.FinalImage(s.ctx(c))
	m := realtime.NewStateMessage(s.live.Settings(), s.live.Cooldown(), err == nil, s.now())
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.JSON(http.StatusOK, m)
}

// finalImage serves GET /api/v1/canvas/final.png: the canvas as it was
// when the event last closed.
func (s *eventPages) finalImage(c echo.Context) error {
	at, png, err := s.store.FinalImage(s.ctx(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Last-Modified", at.UTC().Format(http.TimeFormat))
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, "image/png", png)
}
