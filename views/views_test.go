package views_test

import (
	"bytes"
	"context"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/placecanvas/place"
	"github.com/placecanvas/place/assets"
	"github.com/placecanvas/place/views"
)

// render renders the canvas page and parses it, failing on templ errors.
func render(t *testing.T, d views.PageData) (*html.Node, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := views.CanvasPage(d).Render(context.Background(), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	doc, err := html.Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc, buf.String()
}

func pageData() views.PageData {
	return views.PageData{Title: "Canvas", Width: 500, Height: 300, CooldownSeconds: 5, Palette: place.Palette}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// find returns every element for which match is true, in document order.
// Noscript content is parsed as text by a scripting parser, so it is
// searched separately where needed.
func find(root *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return out
}

func byAttr(key, val string) func(*html.Node) bool {
	return func(n *html.Node) bool { v, ok := attr(n, key); return ok && v == val }
}

func one(t *testing.T, root *html.Node, key, val string) *html.Node {
	t.Helper()
	got := find(root, byAttr(key, val))
	if len(got) != 1 {
		t.Fatalf("want exactly one element with %s=%q, got %d", key, val, len(got))
	}
	return got[0]
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func wantAttrs(t *testing.T, n *html.Node, want map[string]string) {
	t.Helper()
	for k, v := range want {
		got, ok := attr(n, k)
		if !ok || got != v {
			t.Errorf("<%s> %s = %q (present %v), want %q", n.Data, k, got, ok, v)
		}
	}
}

func TestCanvasPageCanvasIsAccessible(t *testing.T) {
	doc, _ := render(t, pageData())
	c := one(t, doc, "data-testid", "canvas")
	if c.Data != "canvas" {
		t.Fatalf("data-testid=canvas is a <%s>", c.Data)
	}
	wantAttrs(t, c, map[string]string{"id": "canvas", "tabindex": "0", "role": "application", "aria-describedby": "keyboard-help"})
	if label, _ := attr(c, "aria-label"); !strings.Contains(label, "500 by 300") {
		t.Errorf("canvas aria-label %q does not give the size", label)
	}
	help := one(t, doc, "id", "keyboard-help")
	for _, words := range []string{"arrow keys", "Enter", "Space", "[", "+"} {
		if !strings.Contains(text(help), words) {
			t.Errorf("keyboard help %q does not mention %q", text(help), words)
		}
	}
	app := one(t, doc, "id", "app")
	wantAttrs(t, app, map[string]string{"data-width": "500", "data-height": "300", "data-cooldown-seconds": "5"})
}

func TestCanvasPagePalette(t *testing.T) {
	doc, _ := render(t, pageData())
	for i, c := range place.Palette {
		b := one(t, doc, "data-testid", "palette-"+strconv.Itoa(i))
		if b.Data != "button" {
			t.Fatalf("palette-%d is a <%s>", i, b.Data)
		}
		// None is pressed: a first visit starts with no color chosen.
		wantAttrs(t, b, map[string]string{"type": "button", "aria-label": c.Name, "aria-pressed": "false", "data-color": strconv.Itoa(i), "data-hex": c.Hex})
		if got := text(b); got != c.Name {
			t.Errorf("palette-%d shows %q, want its name %q", i, got, c.Name)
		}
		if title, _ := attr(b, "title"); !strings.HasPrefix(title, c.Name) {
			t.Errorf("palette-%d title %q does not start with %q", i, title, c.Name)
		}
		if style, _ := attr(b, "style"); !strings.Contains(style, c.Hex) {
			t.Errorf("palette-%d style %q does not set %s", i, style, c.Hex)
		}
	}
	if title, _ := attr(one(t, doc, "data-testid", "palette-12"), "title"); !strings.Contains(title, "Shift+2") {
		t.Errorf("blue's title %q does not name its key", title)
	}
}

func TestCanvasPageLiveRegionsAndStatus(t *testing.T) {
	doc, _ := render(t, pageData())
	for _, id := range []string{"toast", "announcer"} {
		n := one(t, doc, "data-testid", id)
		wantAttrs(t, n, map[string]string{"aria-live": "polite"})
	}
	if got := text(one(t, doc, "data-testid", "cooldown")); got != "Ready" {
		t.Errorf("cooldown shows %q", got)
	}
	conn := one(t, doc, "data-testid", "connection")
	wantAttrs(t, conn, map[string]string{"data-state": "connecting"})
	info := one(t, doc, "data-testid", "pixel-info")
	link := find(info, byAttr("data-testid", "pixel-history-link"))
	if len(link) != 1 || link[0].Data != "a" {
		t.Fatal("pixel info has no history link")
	}
}

func TestCanvasPageWorksWithoutJavaScript(t *testing.T) {
	doc, _ := render(t, pageData())
	// A scripting HTML parser keeps <noscript> content as raw text.
	ns := find(doc, func(n *html.Node) bool { return n.Data == "noscript" })
	var noscript strings.Builder
	for _, n := range ns {
		noscript.WriteString(text(n))
	}
	if !strings.Contains(noscript.String(), `src="/api/v1/canvas.png?scale=2"`) {
		t.Errorf("no <noscript> canvas image; noscript text: %q", noscript.String())
	}
	if !strings.Contains(noscript.String(), `alt="`) {
		t.Error("noscript image has no alt text")
	}

	form := one(t, doc, "data-testid", "place-form")
	wantAttrs(t, form, map[string]string{"method": "post", "action": "/place"})
	x := one(t, form, "name", "x")
	y := one(t, form, "name", "y")
	wantAttrs(t, x, map[string]string{"type": "number", "min": "0", "max": "499", "id": "place-x"})
	wantAttrs(t, y, map[string]string{"type": "number", "min": "0", "max": "299", "id": "place-y"})
	for _, id := range []string{"place-x", "place-y", "place-color"} {
		if len(find(form, func(n *html.Node) bool { v, _ := attr(n, "for"); return n.Data == "label" && v == id })) != 1 {
			t.Errorf("no label for #%s", id)
		}
	}
	sel := one(t, form, "name", "color")
	if sel.Data != "select" {
		t.Fatalf("color field is a <%s>", sel.Data)
	}
	opts := find(sel, func(n *html.Node) bool { return n.Data == "option" })
	if len(opts) != len(place.Palette) {
		t.Fatalf("%d color options, want %d", len(opts), len(place.Palette))
	}
	for i, o := range opts {
		if v, _ := attr(o, "value"); v != strconv.Itoa(i) || text(o) != place.Palette[i].Name {
			t.Errorf("option %d = value %q text %q", i, v, text(o))
		}
	}
	// The form must not be hidden along with the JS-only parts.
	for n := form; n != nil; n = n.Parent {
		if class, _ := attr(n, "class"); strings.Contains(class, "js-only") {
			t.Errorf("place form sits inside .js-only <%s>", n.Data)
		}
	}
}

func TestCanvasPageFlashIsEscaped(t *testing.T) {
	d := pageData()
	d.Flash = `<script>alert(1)</script> placed`
	doc, raw := render(t, d)
	if strings.Contains(raw, "<script>alert(1)") {
		t.Fatal("flash is not escaped")
	}
	if got := text(one(t, doc, "data-testid", "flash")); got != d.Flash {
		t.Errorf("flash shows %q", got)
	}
}

func TestLayoutNavigation(t *testing.T) {
	tests := []struct {
		name      string
		user      *views.UserInfo
		want      []string // data-testids that must be present
		wantNot   []string
		whoami    string
		wantAdmin bool
	}{
		{"no session", nil, []string{"login", "register"}, []string{"logout"}, "", false},
		{"guest", &views.UserInfo{ID: "g", Username: "Guest_ABC123", IsGuest: true}, []string{"login", "register"}, []string{"logout"}, "Guest_ABC123", false},
		{"player", &views.UserInfo{ID: "1", Username: "ada"}, []string{"logout"}, []string{"login", "register"}, "ada", false},
		{"admin", &views.UserInfo{ID: "2", Username: "root", IsAdmin: true}, []string{"logout"}, []string{"login"}, "root", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := pageData()
			d.User = tt.user
			doc, _ := render(t, d)
			for _, id := range tt.want {
				one(t, doc, "data-testid", id)
			}
			for _, id := range tt.wantNot {
				if n := find(doc, byAttr("data-testid", id)); len(n) != 0 {
					t.Errorf("%s shown", id)
				}
			}
			if got := text(one(t, doc, "data-testid", "whoami")); got != tt.whoami {
				t.Errorf("whoami = %q, want %q", got, tt.whoami)
			}
			if tt.user != nil && !tt.user.IsGuest {
				form := find(doc, func(n *html.Node) bool { a, _ := attr(n, "action"); return n.Data == "form" && a == "/logout" })
				if len(form) != 1 {
					t.Fatal("no logout form")
				}
				wantAttrs(t, form[0], map[string]string{"method": "post"})
			}
			admin := find(doc, byAttr("href", "/admin"))
			if (len(admin) > 0) != tt.wantAdmin {
				t.Errorf("admin link shown = %v, want %v", len(admin) > 0, tt.wantAdmin)
			}
		})
	}
}

func TestLayoutHeadAndAssets(t *testing.T) {
	doc, _ := render(t, pageData())
	root := one(t, doc, "lang", "en")
	if class, _ := attr(root, "class"); class != "no-js" {
		t.Errorf("<html> class %q, want no-js", class)
	}
	one(t, doc, "name", "viewport")
	one(t, doc, "href", assets.URL("css/app.css"))
	script := one(t, doc, "src", assets.URL("js/app.js"))
	wantAttrs(t, script, map[string]string{"type": "module"})
	titles := find(doc, func(n *html.Node) bool { return n.Data == "title" })
	if len(titles) != 1 || text(titles[0]) != "Canvas · place" {
		t.Errorf("title = %q", text(titles[0]))
	}
}

// Every preloaded module must exist, or the browser fetches a 404 on each
// page load.
func TestModulePreloadsExist(t *testing.T) {
	doc, _ := render(t, pageData())
	preloads := find(doc, byAttr("rel", "modulepreload"))
	if len(preloads) == 0 {
		t.Fatal("no module preloads")
	}
	for _, p := range preloads {
		href, _ := attr(p, "href")
		name, ok := strings.CutPrefix(href, assets.Prefix)
		if !ok {
			t.Fatalf("preload %q is not under %s", href, assets.Prefix)
		}
		if _, err := fs.Stat(assets.FS, name); err != nil {
			t.Errorf("preload %q: %v", href, err)
		}
	}
}

// Every module app.js imports, directly or through another, is preloaded:
// one left out is fetched only once the module importing it has arrived.
func TestModulePreloadsCoverTheGame(t *testing.T) {
	doc, _ := render(t, pageData())
	preloaded := map[string]bool{}
	for _, p := range find(doc, byAttr("rel", "modulepreload")) {
		href, _ := attr(p, "href")
		preloaded[strings.TrimPrefix(href, assets.Prefix)] = true
	}
	importRE := regexp.MustCompile(`(?m)^import [^;]*? from '\./([a-z]+\.js)';`)
	seen := map[string]bool{}
	queue := []string{"js/app.js"}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		src, err := fs.ReadFile(assets.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range importRE.FindAllStringSubmatch(string(src), -1) {
			dep := "js/" + m[1]
			if seen[dep] {
				continue
			}
			seen[dep] = true
			queue = append(queue, dep)
			if !preloaded[dep] {
				t.Errorf("%s imports %s, which the canvas page does not preload", name, dep)
			}
		}
	}
	if len(seen) < 20 {
		t.Fatalf("found only %d imports of app.js: is the import pattern still right?", len(seen))
	}
}
