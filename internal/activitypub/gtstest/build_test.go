package gtstest

import (
	"os"
	"testing"
	"time"
)

// TestBuild builds GoToSocial (or finds it in the cache). CI runs it alone first, so the
// federation tests that run in parallel later do not wait minutes for the build.
func TestBuild(t *testing.T) {
	start := time.Now()
	in, err := Build()
	if err != nil {
		if os.Getenv("GROUPRISE_TEST_REQUIRE_FEDIVERSE") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	for _, p := range []string{in.Binary, in.TemplateDir + "sign-in.tmpl", in.AssetDir + "logo.png"} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("install incomplete: %v", err)
		}
	}
	t.Logf("GoToSocial %s in %s (%v)", Version, in.Binary, time.Since(start).Round(time.Millisecond))
}
