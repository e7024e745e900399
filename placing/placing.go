// Package placing is the one path of a placement. Every transport (the
// WebSocket, the no-JavaScript form, the admin rollback, and any later one)
// hands it who places what where; it applies the rules in their order,
// bounds the wait for the store, maps a store that did not answer to
// SERVICE_UNAVAILABLE and counts the outcome. The stores trust what it
// validated.
//
// The order of the rules, and how to add one, is described in
// docs/architecture.md ("Where each rule lives").
package placing

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"time"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/fairplay"
	"github.com/placecanvas/place/metrics"
)

// Timeout bounds one placement, the store's answer included.
const Timeout = 5 * time.Second

// Attempt is one placement as a transport received it. Out-of-range numbers
// are passed as they are (a number too large to hold as any value outside
// the canvas, e.g. -1); the rules refuse them.
type Attempt struct {
	UserID string
	// Device is the id of the browser's signed device cookie ("" when
	// unknown): its cooldown and ban hold whoever is logged in on it.
	Device string
	// IP is the client's address (zero when unknown), for network bans.
	IP netip.Addr
	// Proof is the solved challenge ("" when none came), for an address
	// that runs several identities (docs/fairplay.md).
	Proof string
	X, Y  int
	Color int
	At    time.Time
}

// Rule refuses an attempt with a *place.Error, or lets it through with nil.
// Rules run before the store is asked; they must be cheap and must not
// change anything.
type Rule func(ctx context.Context, a Attempt) error

// Users finds a user; the service reads the ban flag to report BANNED before
// any other refusal.
type Users interface {
	UserByID(ctx context.Context, id string) (place.User, error)
}

// NetworkBans finds the moderators' ban in force on an address or its
// network (netbans.List). It does not fail: a list that cannot be read is
// the last good one.
type NetworkBans interface {
	Banned(ctx context.Context, ip netip.Addr) (place.NetworkBan, bool)
}

// Options configure a Service.
type Options struct {
	Config place.Config
	// Size, when set, gives the canvas's current size (it grows at run
	// time: the live canvas's); Config's size otherwise.
	Size   func() place.Size
	Placer place.Placer
	Users  Users
	Logger *slog.Logger
	Now    func() time.Time
	// CanvasOpen and Areas are the hooks of their rules (see rules); nil
	// lets every attempt through.
	CanvasOpen Rule
	Areas      Rule
	// Joined is the join-code rule (joining.Gate.Rule): while the organiser
	// has set a join code, only players who joined with it place.
	Joined Rule
	// Acknowledged, if set, is told the seq of every placement the service
	// returns as placed, before the caller answers its client, so that this
	// process's canvas reads can wait for it (read-your-writes).
	Acknowledged func(seq uint64)
	// NetworkBans is the list of the moderators' bans of networks
	// (netbans.List; nil: no network bans).
	NetworkBans NetworkBans
	// Team returns the player's team (0: none), which the placement
	// records; it should be cached (teams.Roster.TeamOf). nil: no teams.
	Team func(ctx context.Context, userID string) (int64, error)
	// AddressBudget is the budget identities sharing an address share
	// (zero: none).
	AddressBudget AddressBudget
	// Challenge is the proof-of-work rule (zero: none).
	Challenge ChallengeRule
	// Charges gives the charge limit and cooldown that ChargesAt reads a
	// charge clock with (nil: one charge and Config's cooldown).
	Charges ChargeRule
}

// Service decides placements.
type Service struct {
	charges ChargeRule
	netBans NetworkBans
	cfg     place.Config
	size    func() place.Size
	placer  place.Placer
	users   Users
	log     *slog.Logger
	now     func() time.Time
	rules   []Rule
	// acknowledged: see Options.Acknowledged.
	acknowledged func(seq uint64)
	team         func(ctx context.Context, userID string) (int64, error)
	budgets      *budgets
	challenges   *challenges
	recent       *fairplay.Recent
}

// New returns the placement service.
func New(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Service{charges: o.Charges, cfg: o.Config, size: o.Size, placer: o.Placer, users: o.Users, log: o.Logger, now: o.Now, acknowledged: o.Acknowledged, netBans: o.NetworkBans, team: o.Team}
	s.rules = s.ruleList(o)
	s.budgets = &budgets{cfg: o.AddressBudget, users: o.Users, now: o.Now, earned: map[string]earnedEntry{}}
	s.challenges = &challenges{cfg: o.Challenge, activity: fairplay.NewActivity()}
	s.recent = fairplay.NewRecent(0)
	return s
}

// ruleList is the order in which a placement is refused, after the ban
// (checked first, see Check) and before the cooldown (checked by the store
// atomically with the write, like the ban). A new rule is one Rule added
// here, at its place in the order.
func (s *Service) ruleList(o Options) []Rule {
	var netBan Rule
	if o.NetworkBans != nil {
		netBan = s.networkBan
	}
	rules := []Rule{
		netBan,       // guests on a banned network
		o.CanvasOpen, // the canvas is open (scheduled, paused, closed)
		o.Joined,     // the player joined with the current join code
		s.inRange,    // coordinates, then color
		o.Areas,      // protected areas
	}
	out := rules[:0]
	for _, r := range rules {
		if r != nil {
			out = append(out, r)
		}
	}
	return out
}

// inRange is the rule that the pixel is on the canvas and the color in the
// palette.
func (s *Service) inRange(_ context.Context, a Attempt) error {
	return s.canvas().CheckPixel(a.X, a.Y, a.Color)
}

// canvas is the configuration with the current size.
func (s *Service) canvas() place.Config {
	if s.size == nil {
		return s.cfg
	}
	return s.cfg.WithSize(s.size())
}

// networkBan is the rule that guests do not place from a banned address or
// network; registered players do (they may log in from anywhere, and no new
// account is made from a banned network). The list is the last one read
// when the store cannot be read (see package netbans): a store outage does
// not refuse every player.
func (s *Service) networkBan(ctx context.Context, a Attempt) error {
	if !a.IP.IsValid() || a.UserID == "" {
		return nil
	}
	b, ok := s.netBans.Banned(ctx, a.IP)
	if !ok {
		return nil
	}
	u, err := s.users.UserByID(ctx, a.UserID)
	if err != nil || !u.IsGuest {
		return err
	}
	return NetworkBanError(b)
}

// NetworkBanError is the refusal of a guest on a banned network: until
// when, why, and what to do.
func NetworkBanError(b place.NetworkBan) error {
	msg := "Guests on your network are banned from placing until " + b.EndsAt.UTC().Format("2006-01-02 15:04 UTC")
	if b.Reason != "" {
		msg += " (" + b.Reason + ")"
	}
	return place.Errorf(place.EBANNED, "%s. Log in with an account to place.", msg)
}

// Check applies the rules to a without placing. A banned user is told
// BANNED whatever else is wrong. With no user yet (UserID empty: a visitor
// whose guest account is made only for a sound attempt), the ban is not
// looked up.
func (s *Service) Check(ctx context.Context, a Attempt) error {
	for _, rule := range s.rules {
		if err := rule(ctx, a); err != nil {
			if a.UserID != "" && s.banned(ctx, a.UserID) {
				return errBanned
			}
			return err
		}
	}
	return nil
}

var errBanned = place.Errorf(place.EBANNED, "You are banned from placing pixels.")

// banned looks the user's ban up; a lookup that fails counts as not banned,
// since the store refuses a banned user's placement on its own.
func (s *Service) banned(ctx context.Context, userID string) bool {
	u, err := s.users.UserByID(ctx, userID)
	return err == nil && u.Banned
}

// Place checks a against every rule, then has the store apply it with the
// ban and cooldown checks and waits until it is durable. It returns the
// placement and the player's charge clock (ChargesAt reads it).
func (s *Service) Place(ctx context.Context, a Attempt) (place.Placement, time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	if a.At.IsZero() {
		a.At = s.now()
	}
	err := s.Check(ctx, a)
	if err == nil && s.challenges.on() && !s.budgets.hasEarned(ctx, a.UserID) {
		err = s.challenges.check(ctx, a)
	}
	var p place.Placement
	var next time.Time
	if err == nil {
		budget := s.budgets.of(ctx, a)
		p, next, err = s.placer.Place(ctx, place.Player{UserID: a.UserID, DeviceID: a.Device, TeamID: s.teamOf(ctx, a.UserID), Budget: budget}, a.X, a.Y, uint8(a.Color), a.At)
		countBudget(budget, err)
	}
	if err == nil {
		s.remember(a)
	}
	if err == nil && s.acknowledged != nil {
		s.acknowledged(p.Seq)
	}
	err = unavailableOnTimeout(err)
	s.count(err)
	return p, next, err
}

// teamOf is the player's team for the placement to record. A team that
// cannot be read does not stop the placement (in cluster mode placements
// go on while PostgreSQL is away); it is counted for no team.
func (s *Service) teamOf(ctx context.Context, userID string) int64 {
	if s.team == nil || userID == "" {
		return 0
	}
	id, err := s.team(ctx, userID)
	if err != nil {
		s.log.Warn("team not read; the placement counts for no team", "user", userID, "err", err)
		return 0
	}
	return id
}

// Rollback writes pixels on a moderator's behalf (no cooldown, no canvas
// state or area rules: a moderator repairs any part of the canvas at any
// time) and returns them once durable. Every pixel must be on the canvas.
func (s *Service) Rollback(ctx context.Context, actorID string, pixels []place.Pixel) ([]place.Placement, error) {
	return s.moderated(ctx, actorID, pixels, s.placer.PlaceRollback)
}

// Wipe is Rollback for a moderator's wipe of an area: its placements are
// recorded as a wipe (place.Placement.Wipe).
func (s *Service) Wipe(ctx context.Context, actorID string, pixels []place.Pixel) ([]place.Placement, error) {
	return s.moderated(ctx, actorID, pixels, s.placer.PlaceWipe)
}

// moderated checks a moderator's pixels and writes them with write.
func (s *Service) moderated(ctx context.Context, actorID string, pixels []place.Pixel,
	write func(context.Context, string, []place.Pixel, time.Time) ([]place.Placement, error)) ([]place.Placement, error) {
	cfg := s.canvas()
	for _, px := range pixels {
		if err := cfg.CheckPixel(px.X, px.Y, int(px.Color)); err != nil {
			return nil, err
		}
	}
	if len(pixels) == 0 {
		return nil, nil
	}
	placed, err := write(ctx, actorID, pixels, s.now())
	if err == nil && len(placed) > 0 && s.acknowledged != nil {
		s.acknowledged(placed[len(placed)-1].Seq)
	}
	return placed, unavailableOnTimeout(err)
}

// CooldownUntil returns the player's charge clock (zero: none kept; with
// one charge, when the player may place next): the later of the user's
// and the device's.
func (s *Service) CooldownUntil(ctx context.Context, who place.Player) (time.Time, error) {
	var until time.Time
	for _, k := range who.Keys() {
		if k == "" {
			continue
		}
		t, err := s.placer.CooldownUntil(ctx, k)
		if err != nil {
			return time.Time{}, err
		}
		if t.After(until) {
			until = t
		}
	}
	return until, nil
}

// unavailableOnTimeout maps a store that did not answer in time to
// SERVICE_UNAVAILABLE.
func unavailableOnTimeout(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return place.ErrUnavailable
	}
	return err
}

// count records the outcome of one attempt; internal errors are logged.
func (s *Service) count(err error) {
	if err == nil {
		metrics.Placements.WithLabelValues("ok").Inc()
		return
	}
	code := place.ErrorCode(err)
	metrics.Placements.WithLabelValues(string(code)).Inc()
	if code == place.EINTERNAL {
		s.log.Error("placement failed", "err", err)
	}
}
