package denylist

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

func serve(t *testing.T, config *Config, remoteAddr string, forwardedFor ...string) int {
	t.Helper()
	next := http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) { rw.WriteHeader(http.StatusOK) })
	handler, err := New(context.Background(), next, config, "test-denylist")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	req := httptest.NewRequest(http.MethodGet, "http://example.test/.env", nil)
	req.RemoteAddr = remoteAddr
	for _, value := range forwardedFor {
		req.Header.Add("X-Forwarded-For", value)
	}
	recorder := httptest.NewRecorder()
	handler.ServeHTTP(recorder, req)
	return recorder.Code
}

func TestDeniesListedAddressesAndRanges(t *testing.T) {
	config := &Config{IPDenyList: []string{"203.0.113.45", "198.51.100.0/24", "2001:db8::/32", "2001:db8:ffff::1"}}
	cases := []struct {
		remote string
		want   int
	}{
		{"203.0.113.45:5555", http.StatusForbidden},
		{"203.0.113.46:5555", http.StatusOK},
		{"198.51.100.200:1", http.StatusForbidden},
		{"198.51.101.1:1", http.StatusOK},
		{"[2001:db8:1::7]:443", http.StatusForbidden},
		{"[2001:db9::1]:443", http.StatusOK},
		{"[::ffff:203.0.113.45]:80", http.StatusForbidden},
		{"[fe80::1%eth0]:80", http.StatusOK},
	}
	for _, c := range cases {
		if got := serve(t, config, c.remote); got != c.want {
			t.Errorf("%s: got %d, want %d", c.remote, got, c.want)
		}
	}
}

func TestEmptyOrMissingListLetsEverythingThrough(t *testing.T) {
	for _, config := range []*Config{nil, CreateConfig(), {IPDenyList: nil}} {
		if got := serve(t, config, "203.0.113.45:1"); got != http.StatusOK {
			t.Errorf("config %#v: got %d, want 200", config, got)
		}
	}
}

func TestInvalidEntriesAreIgnoredNotFatal(t *testing.T) {
	config := &Config{IPDenyList: []string{"not-an-ip", "300.1.1.1", "10.0.0.0/33", "203.0.113.45"}}
	if got := serve(t, config, "203.0.113.45:1"); got != http.StatusForbidden {
		t.Errorf("valid entry after invalid ones: got %d, want 403", got)
	}
	if got := serve(t, config, "192.0.2.1:1"); got != http.StatusOK {
		t.Errorf("unlisted client: got %d, want 200", got)
	}
}

func TestForwardedForIsIgnoredWithoutTrust(t *testing.T) {
	config := &Config{IPDenyList: []string{"203.0.113.45"}}
	// A listed scanner cannot hide behind a header it wrote itself...
	if got := serve(t, config, "203.0.113.45:1", "192.0.2.1"); got != http.StatusForbidden {
		t.Errorf("listed peer with forged XFF: got %d, want 403", got)
	}
	// ...nor frame another client by naming a listed address.
	if got := serve(t, config, "192.0.2.1:1", "203.0.113.45"); got != http.StatusOK {
		t.Errorf("unlisted peer naming a listed address: got %d, want 200", got)
	}
}

func TestTrustedProxiesWalkFromTheRight(t *testing.T) {
	config := &Config{IPDenyList: []string{"203.0.113.45"}, TrustedIPs: []string{"10.0.0.0/8"}}
	if got := serve(t, config, "10.0.0.2:1", "203.0.113.45, 10.0.0.9"); got != http.StatusForbidden {
		t.Errorf("client behind two trusted hops: got %d, want 403", got)
	}
	if got := serve(t, config, "10.0.0.2:1", "203.0.113.45", "10.0.0.9"); got != http.StatusForbidden {
		t.Errorf("two header lines: got %d, want 403", got)
	}
	// The nearest untrusted hop is the client: what it says about earlier hops is not believed.
	if got := serve(t, config, "10.0.0.2:1", "203.0.113.45, 192.0.2.1"); got != http.StatusOK {
		t.Errorf("listed address left of an untrusted hop: got %d, want 200", got)
	}
	if got := serve(t, config, "192.0.2.7:1", "203.0.113.45"); got != http.StatusOK {
		t.Errorf("untrusted peer: got %d, want 200", got)
	}
	if got := serve(t, config, "[::ffff:10.0.0.2]:1", "203.0.113.45"); got != http.StatusForbidden {
		t.Errorf("IPv4-mapped trusted peer: got %d, want 403", got)
	}
}

func TestDepthTakesTheNthEntryFromTheRight(t *testing.T) {
	config := &Config{IPDenyList: []string{"203.0.113.45"}, Depth: 2}
	if got := serve(t, config, "10.0.0.2:1", "198.51.100.1, 203.0.113.45, 10.0.0.9"); got != http.StatusForbidden {
		t.Errorf("depth 2: got %d, want 403", got)
	}
	if got := serve(t, config, "10.0.0.2:1", "203.0.113.45"); got != http.StatusOK {
		t.Errorf("fewer entries than depth falls back to the peer: got %d, want 200", got)
	}
	restricted := &Config{IPDenyList: []string{"203.0.113.45"}, Depth: 1, TrustedIPs: []string{"10.0.0.2"}}
	if got := serve(t, restricted, "192.0.2.7:1", "203.0.113.45"); got != http.StatusOK {
		t.Errorf("depth with trustedIPs from an untrusted peer: got %d, want 200", got)
	}
	if got := serve(t, restricted, "10.0.0.2:1", "203.0.113.45"); got != http.StatusForbidden {
		t.Errorf("depth with trustedIPs from the trusted peer: got %d, want 403", got)
	}
}

func TestNegativeDepthIsAConfigurationError(t *testing.T) {
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	if _, err := New(context.Background(), next, &Config{Depth: -1}, "x"); err == nil {
		t.Fatal("want an error for depth -1")
	}
}

func TestForbiddenBody(t *testing.T) {
	next := http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) { rw.WriteHeader(http.StatusOK) })
	handler, _ := New(context.Background(), next, &Config{IPDenyList: []string{"192.0.2.1"}}, "x")
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "192.0.2.1:9"
	recorder := httptest.NewRecorder()
	handler.ServeHTTP(recorder, req)
	if recorder.Code != http.StatusForbidden || recorder.Body.String() != "Forbidden\n" {
		t.Fatalf("got %d %q", recorder.Code, recorder.Body.String())
	}
}
