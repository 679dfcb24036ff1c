package dashboard_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
)

// update rewrites docs/dashboard.png, the README's screenshot, from the
// browser test (go test ./simulator/dashboard -run Browser -update).
var update = flag.Bool("update", false, "rewrite docs/dashboard.png from the browser test")

const adminToken = "dash-s3cret-token"

// chromium finds the browser the test drives. Without one the test fails:
// .ci/run installs Debian's chromium when it is missing, so a machine
// without it is a broken set-up the test must report. Only under -short
// (a quick run on a laptop) does it skip instead, saying why.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const need = "the dashboard's browser test needs Chromium (chromium, chromium-browser, google-chrome or headless-shell on PATH): apt-get install -y chromium"
	if testing.Short() {
		t.Skip(need + "; skipped under -short")
	}
	t.Fatal(need + " (.ci/run installs it when it is missing)")
	return ""
}

// artefacts is where the test leaves its screenshot (and, on failure, the
// page's HTML): $SANDBOX_ARTEFACTS, or sandbox-artefacts in the temp dir.
func artefacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SANDBOX_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "sandbox-artefacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// vendorCall sends one vendor request in the default session over the
// sandbox's real listener, as an integrator's client does.
func vendorCall(t *testing.T, sb *sandboxtest.Sandbox, method, path, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, sb.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := sb.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDashboardInBrowser drives the page in headless Chromium against a
// running sandbox guarded by an admin token: the page asks for the token,
// shows a vendor request live, opens its detail by keyboard with secrets
// masked, toggles a scenario that answers the next request, arms a
// one-shot error, and never requests anything outside the sandbox.
func TestDashboardInBrowser(t *testing.T) {
	path := chromium(t)
	sb := sandboxtest.New(t, sandboxtest.WithConfig(func(c *simulator.Config) { c.AdminToken = adminToken }))
	dir := artefacts(t)

	var mu sync.Mutex
	var requested, outside []string
	listen := func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			defer mu.Unlock()
			requested = append(requested, e.Request.URL)
			if !strings.HasPrefix(e.Request.URL, sb.URL+"/") {
				outside = append(outside, e.Request.URL)
			}
		}
	}
	// A browser that fails to start (a loaded CI machine, another Chromium
	// starting at the same moment) gets one more try; a second failure
	// fails the test.
	var ctx context.Context
	for try := 1; ; try++ {
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1280, 800), chromedp.Flag("disable-dev-shm-usage", true))...)
		bctx, cancel := chromedp.NewContext(alloc)
		err := chromedp.Listen(bctx, listen)
		if err == nil {
			t.Cleanup(cancelAlloc)
			t.Cleanup(cancel)
			ctx = bctx
			break
		}
		cancel()
		cancelAlloc()
		if try == 2 {
			t.Fatalf("starting Chromium (%s), twice: %v", path, err)
		}
		t.Logf("starting Chromium (%s) failed, trying again: %v", path, err)
	}
	// Every step below has 15 s: DOM conditions, never sleeps.
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, 15*time.Second)
		defer scancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	wait := func(what, expr string) {
		t.Helper()
		do(what, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond)))
	}
	t.Cleanup(func() {
		if t.Failed() {
			saveFailure(t, ctx, dir)
		}
	})

	// 1. The page loads without the token and asks for it on the first 401.
	do("open the page", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(sb.URL+"/__sandbox/ui"))
	wait("the token prompt", `document.getElementById('token-dialog').open`)
	do("give the token", chromedp.SendKeys(chromedp.ID("token-input"), adminToken), chromedp.Click(chromedp.ID("token-submit")))
	wait("the default session listed", `[...document.querySelectorAll('#session-list .pick')].some(b => b.textContent === 'default')`)
	wait("the scenario catalog", `!!document.getElementById('sc-weavr-service-unavailable-session')`)
	// 1b. The chart is never a blank box: with no traffic yet, each
	// vendor's canvas has its axis and says so, from the first sample.
	wait("the charts drawn, saying no traffic yet", `document.querySelectorAll('#metric-list canvas').length === 2 && `+
		`[...document.querySelectorAll('#metric-list canvas')].every(c => c.dataset.state === 'empty' && `+inked+`(c))`)

	// 2. A vendor request appears without a reload.
	do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__sameLoad = true`))
	status, body := vendorCall(t, sb, "POST", "/multi/login_with_password", `{"email":"alice@example.com","password":{"value":"Passw0rd!"}}`,
		"api-key", "sandbox-api-key")
	var login struct{ Token string }
	if err := json.Unmarshal([]byte(body), &login); status != 200 || err != nil || login.Token == "" {
		t.Fatalf("login: %d %s", status, body)
	}
	auth := []string{"api-key", "sandbox-api-key", "Authorization", "Bearer " + login.Token}
	if status, body := vendorCall(t, sb, "PATCH", "/multi/consumers", `{"email":"bob@example.com"}`, auth...); status != 409 {
		t.Fatalf("PATCH: %d %s", status, body)
	}
	wait("the 409 row, live", rowWith("PATCH", "/multi/consumers", "409"))
	if same, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__sameLoad === true`)); err != nil || !same {
		t.Fatalf("the row came with a reload (%v)", err)
	}

	// 2b. The chart draws the traffic; a reload draws it again at once,
	// before its first sample could (the samples a tab took are kept).
	wait("the Weavr chart's first bar", `document.querySelector('#metric-list canvas').dataset.bars > 0`)
	do("reload", chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("#metric-list canvas")))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(c => c.dataset.bars + ' ' + `+inked+`(c))(document.querySelector('#metric-list canvas'))`))
	var bars int
	var drawn bool
	if _, serr := fmt.Sscanf(got, "%d %t", &bars, &drawn); err != nil || serr != nil || bars < 1 || !drawn {
		t.Errorf("the Weavr chart as the reloaded page first shows it: bars, drawn = %q (%v), want at least a bar, drawn", got, err)
	}
	wait("the rows again", rowWith("PATCH", "/multi/consumers", "409"))

	// 2c. A LoanPro path shows the part that tells it apart (its prefix
	// /api/public/api/1 elided, the end visible in a narrow column), the
	// whole path in the tooltip; a Weavr path shows whole.
	lp := []string{"Authorization", "Bearer sandbox-token", "Autopal-Instance-Id", "5200000"}
	for _, p := range []string{"/api/public/api/1/odata.svc/Customers(5)", "/api/public/api/1/odata.svc/Customers(5)/Phones"} {
		if status, body := vendorCall(t, sb, "GET", p, "", lp...); status != 200 {
			t.Fatalf("GET %s: %d %s", p, status, body)
		}
	}
	wait("the LoanPro rows", rowWith("GET", "…/odata.svc/Customers(5)/Phones"))
	for _, tc := range []struct{ op, path, shown string }{
		{"loanpro.customerGet", "/api/public/api/1/odata.svc/Customers(5)/Phones", "…/odata.svc/Customers(5)/Phones"},
		{"loanpro.customerGet", "/api/public/api/1/odata.svc/Customers(5)", "…/odata.svc/Customers(5)"},
		{"weavr.consumerUpdate", "/multi/consumers", "/multi/consumers"},
	} {
		// The cell's text, its tooltip, and whether the path's last 12
		// characters lie inside the cell (not cut off by its ellipsis).
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
			const td = [...document.querySelectorAll('#traffic-rows td.path')].find(td => td.title.endsWith(': ' + %q));
			if (!td) return 'no row';
			const text = td.querySelector('bdi').firstChild, r = document.createRange();
			r.setStart(text, Math.max(0, text.length - 12));
			r.setEnd(text, text.length);
			const cell = td.getBoundingClientRect(), end = r.getBoundingClientRect();
			return td.textContent + ' | ' + td.title + ' | ' + (end.left >= cell.left - 1 && end.right <= cell.right + 1);
		})()`, tc.path)))
		if want := tc.shown + " | " + tc.op + ": " + tc.path + " | true"; err != nil || got != want {
			t.Errorf("the row of %s shows %q (%v), want %q", tc.path, got, err, want)
		}
	}

	// 3. Its detail, by keyboard; then the login below it (newest first).
	do("open the 409 by keyboard", chromedp.Focus(chromedp.CSS(`#traffic-rows tr.c4`)), chromedp.KeyEvent(kb.Enter))
	wait("the 409 detail", `document.querySelector('#detail-body .detail-summary')?.textContent.includes('409')`)
	detail := text(t, ctx, "detail-body")
	for _, want := range []string{"Bearer ****", "****-key", `"errorCode": "EMAIL_NOT_UNIQUE"`, "weavr.consumerUpdate"} {
		if !strings.Contains(detail, want) {
			t.Errorf("the 409's detail lacks %q:\n%s", want, detail)
		}
	}
	curl := text(t, ctx, "curl")
	wantCurl := fmt.Sprintf("curl -i -X PATCH '%s/multi/consumers'", sb.URL)
	if !strings.Contains(curl, wantCurl) || !strings.Contains(curl, `-H "Authorization: Bearer $TOKEN"`) || !strings.Contains(curl, `-H "Api-Key: $API_KEY"`) {
		t.Errorf("copy as curl:\n%s\nwant %s with the masked headers as variables", curl, wantCurl)
	}
	do("the login row by arrow key", chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Enter))
	wait("the login detail", `document.querySelector('#detail-body .detail-summary')?.textContent.includes('login_with_password')`)
	if d := text(t, ctx, "detail-body"); !strings.Contains(d, `"value": "****"`) || !strings.Contains(d, `"token": "****"`) {
		t.Errorf("the login's password or token is not masked:\n%s", d)
	}

	// 4. A scenario toggled for the session answers the next request.
	do("toggle weavr-service-unavailable", chromedp.Click(chromedp.ID("sc-weavr-service-unavailable-session")))
	wait("the scenario active", `document.getElementById('sc-weavr-service-unavailable-session').closest('li').classList.contains('on')`)
	if status, body := vendorCall(t, sb, "PATCH", "/multi/consumers", `{"tag":"t1"}`, auth...); status != 503 {
		t.Fatalf("PATCH with the scenario on: %d %s", status, body)
	}
	wait("the 503 row", rowWith("PATCH", "503", "weavr-service-unavailable"))

	// 5. "Trigger once" answers the next request, once, even over the scenario.
	const trigger = `button[aria-label="Trigger weavr.EMAIL_DOMAIN_NOT_ALLOWED once on the next request"]`
	do("arm a one-shot error", chromedp.Click(chromedp.ID("tab-errors")), chromedp.Click(chromedp.CSS(trigger)))
	wait("the armed trigger", `document.getElementById('armed').textContent.includes('weavr.EMAIL_DOMAIN_NOT_ALLOWED')`)
	if status, body := vendorCall(t, sb, "PATCH", "/multi/consumers", `{"tag":"t2"}`, auth...); status != 409 || body != `{"errorCode":"EMAIL_DOMAIN_NOT_ALLOWED"}` {
		t.Fatalf("PATCH with the trigger armed: %d %s", status, body)
	}
	wait("the triggered row", rowWith("PATCH", "409", "trigger:weavr.EMAIL_DOMAIN_NOT_ALLOWED"))
	wait("the trigger spent", `document.getElementById('armed').textContent === ''`)

	// 6. The data panel shows the logins masked until asked; then no secret
	// is in clear anywhere in the page.
	do("the data panel", chromedp.Click(chromedp.ID("tab-data")))
	wait("alice's record", `document.getElementById('data-list').textContent.includes('alice@example.com')`)
	if d := text(t, ctx, "data-list"); strings.Contains(d, "Passw0rd!") || !strings.Contains(d, "passwor") {
		t.Errorf("the data panel shows the password before Show secrets:\n%.300s", d)
	}
	do("show secrets", chromedp.Click(chromedp.ID("data-secrets")))
	wait("the password shown", `document.getElementById('data-list').textContent.includes('Passw0rd!')`)
	do("hide secrets", chromedp.Click(chromedp.ID("data-secrets")))
	wait("the password hidden", `!document.getElementById('data-list').textContent.includes('Passw0rd!')`)

	// 6b. A record's back-office action from the data panel: deactivate
	// alice with its example body. The page shows the answer (secrets
	// masked), refreshes the records and the webhooks; the control API sees
	// the change and the event, recorded undelivered (no URL is set).
	var found struct{ Consumers []struct{ ID, Email string } }
	controlGet(t, sb, "/__sandbox/sessions/default/weavr/consumers?email=alice%40example.com", &found)
	if len(found.Consumers) != 1 || found.Consumers[0].Email != "alice@example.com" {
		t.Fatalf("alice's record: %+v", found)
	}
	actions := fmt.Sprintf(`button[aria-label="Actions for consumer %s"]`, found.Consumers[0].ID)
	do("open alice's actions", chromedp.Click(chromedp.CSS(actions)))
	wait("the actions dialog with the first action's example", `document.getElementById('action-dialog').open && document.activeElement.id === 'action-name' && document.getElementById('action-body').value.includes('"status"')`)
	do("pick deactivate", chromedp.SetValue(chromedp.ID("action-name"), "deactivate"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('action-name').dispatchEvent(new Event('change'))`))
	wait("deactivate's example body", `document.getElementById('action-body').value.includes('"reasonCode": "TEMPORARY"')`)
	do("run it by keyboard", chromedp.Focus(chromedp.ID("action-run")), chromedp.KeyEvent(kb.Enter))
	wait("the answer", `document.getElementById('action-result').textContent.includes('deactivate: done') && document.getElementById('action-result').textContent.includes('"active": false')`)
	if r := text(t, ctx, "action-result"); strings.Contains(r, "Passw0rd!") || strings.Contains(r, "sandbox-api-key") {
		t.Errorf("the action's answer shows a secret:\n%s", r)
	}
	wait("the record refreshed", fmt.Sprintf(`[...document.querySelector(%q).closest('li').querySelectorAll('tr')].some(tr => tr.cells[0].textContent === 'active' && tr.cells[1]?.textContent === 'false')`, actions))
	wait("the webhooks refreshed", `document.getElementById('webhook-list').textContent.includes('/consumers/consumer_deactivated/watch')`)
	do("close by Escape", chromedp.KeyEvent(kb.Escape))
	wait("the dialog closed, focus back on the record", fmt.Sprintf(`!document.getElementById('action-dialog').open && document.activeElement === document.querySelector(%q)`, actions))
	var alice struct{ Active bool }
	controlGet(t, sb, "/__sandbox/sessions/default/weavr/consumers/"+found.Consumers[0].ID, &alice)
	if alice.Active {
		t.Errorf("alice is still active after deactivate from the page")
	}
	var hooks struct {
		Deliveries []struct{ Event, State string }
	}
	controlGet(t, sb, "/__sandbox/sessions/default/webhooks/deliveries?event=/consumers/consumer_deactivated/watch", &hooks)
	if len(hooks.Deliveries) != 1 || hooks.Deliveries[0].Event != "/consumers/consumer_deactivated/watch" || hooks.Deliveries[0].State != "undelivered" {
		t.Errorf("deliveries of /consumers/consumer_deactivated/watch: %+v, want one undelivered", hooks.Deliveries)
	}

	html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{login.Token, "Passw0rd!", "sandbox-api-key", adminToken} {
		if strings.Contains(html, secret) {
			t.Errorf("the page shows the secret %q", secret)
		}
	}

	// 7. The screenshot: the 409's detail, the Scenarios tab.
	do("back to the 409 and the scenarios", chromedp.Click(chromedp.CSS(`#traffic-rows tr[data-seq="2"]`)), chromedp.Click(chromedp.ID("tab-scenarios")),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('sc-weavr-service-unavailable-session').closest('li').scrollIntoView({block: 'center'})`))
	if *update {
		chartTraffic(t, sb, ctx)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "dashboard.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", shot, len(png))
	if *update {
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "dashboard.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// 8. A link with #token= gives the token without a prompt, and the
	// token leaves the address at once.
	do("open with #token=", chromedp.Evaluate[chromedp.Void](`sessionStorage.clear()`),
		chromedp.Navigate(sb.URL+"/__sandbox/ui?session=other#token="+adminToken))
	wait("sessions listed", `[...document.querySelectorAll('#session-list .pick')].some(b => b.textContent === 'other')`)
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash + '|' + document.getElementById('token-dialog').open + '|' + document.getElementById('current-session').textContent`)); err != nil || got != "|false|other" {
		t.Errorf("after #token=: hash|prompt|session = %q (%v), want \"|false|other\"", got, err)
	}

	// 8b. A session whose clock was moved shows its time beside its name.
	if r := sb.Raw(t, "POST", "/__sandbox/sessions/other/clock/advance", `{"by":"6m"}`,
		"Authorization", "Bearer "+adminToken, "Content-Type", "application/json"); r.Status != 200 {
		t.Fatalf("advance other's clock: %d %s", r.Status, r.Body)
	}
	wait("the moved clock shown", `[...document.querySelectorAll('#session-list .clock')].some(d => d.textContent.startsWith('session time ') && d.textContent.endsWith('(6m0s ahead)'))`)

	// 9. Every request the page made went to the sandbox.
	mu.Lock()
	defer mu.Unlock()
	if len(outside) > 0 {
		t.Errorf("the page requested outside the sandbox: %q", outside)
	}
	for _, want := range []string{sb.URL + "/__sandbox/ui", sb.URL + "/__sandbox/ui/app.js", sb.URL + "/__sandbox/sessions"} {
		if !contains(requested, want) {
			t.Errorf("no request to %s seen (the listener is blind?): %q", want, requested)
		}
	}
}

// controlGet reads a control API answer with the admin token.
func controlGet(t *testing.T, sb *sandboxtest.Sandbox, path string, out any) {
	t.Helper()
	status, body := vendorCall(t, sb, "GET", path, "", "Authorization", "Bearer "+adminToken)
	if status != 200 {
		t.Fatalf("GET %s: %d %s", path, status, body)
	}
	if err := json.Unmarshal([]byte(body), out); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
}

// inked is a JavaScript function: whether a canvas has a drawn pixel.
const inked = `(c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 === 3 && v > 0))`

// rowWith is a predicate: a traffic row holds every word.
func rowWith(words ...string) string {
	w, _ := json.Marshal(words)
	return fmt.Sprintf(`[...document.querySelectorAll('#traffic-rows tr')].some(tr => %s.every(w => tr.textContent.includes(w)))`, w)
}

func text(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.getElementById(%q).textContent`, id)))
	if err != nil {
		t.Fatalf("text of #%s: %v", id, err)
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// chartTraffic gives the metrics chart a few seconds of mixed traffic
// before the README's screenshot (only with -update).
func chartTraffic(t *testing.T, sb *sandboxtest.Sandbox, ctx context.Context) {
	lp := []string{"Authorization", "Bearer sandbox-token", "Autopal-Instance-Id", "5200000"}
	end := time.Now().Add(7 * time.Second)
	for i := 0; time.Now().Before(end); i++ {
		id := 1 + i%5
		if i%4 == 3 {
			id = 99999999 // LoanPro's 409 for an unknown id
		}
		vendorCall(t, sb, "GET", fmt.Sprintf("/api/public/api/1/odata.svc/Customers(%d)", id), "", lp...)
		time.Sleep(60 * time.Millisecond)
	}
	_ = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#traffic-rows tr[data-seq="2"]`)))
}

// saveFailure keeps what the browser showed when the test failed.
func saveFailure(t *testing.T, ctx context.Context, dir string) {
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot()); err == nil {
		_ = os.WriteFile(filepath.Join(dir, "dashboard-failed.png"), png, 0o644)
	}
	if html, err := chromedp.Run(sctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err == nil {
		_ = os.WriteFile(filepath.Join(dir, "dashboard-failed.html"), []byte(html), 0o644)
	}
	t.Logf("the browser's last state: %s/dashboard-failed.{png,html}", dir)
}
