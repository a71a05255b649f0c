package app

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func loadConfig(t *testing.T, extra string) *config.Config {
	t.Helper()
	cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/test.yaml": []byte(
		"domain: grouprise.test\nsecret_key: 0123456789abcdef0123\ndata_path: " + t.TempDir() + "\n" + extra)}}, "/test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestServicesFollowConfiguration: a group made through the App's services calls the hook
// scripts and gets Matrix rooms exactly when the configuration says so, and the services can
// mail (recommendations need the letters).
func TestServicesFollowConfiguration(t *testing.T) {
	for _, tc := range []struct {
		name, config string
		jobs         []string
	}{
		{"plain site", "", nil},
		{"hook scripts", "hook_script_paths: [/usr/bin/true]\n", []string{"hook"}},
		{"matrix chat", "matrix_chat: {enabled: true, domain: chat.test, bot_access_token: secret, admin_api_url: 'http://127.0.0.1:8008'}\n", []string{"matrix.sync-group"}},
		{"matrix chat off", "matrix_chat: {enabled: false, domain: chat.test}\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				a, err := New(ctx, loadConfig(t, tc.config), Options{Open: func(context.Context, *config.Config) (*store.DB, error) {
					return db, nil
				}})
				if err != nil {
					t.Fatal(err)
				}
				defer a.Close()
				g, err := a.Groups.Create(ctx, groups.NewGroup{Name: "Garten"})
				if err != nil {
					t.Fatal(err)
				}
				if got := storetest.Rows(t, db, "SELECT kind FROM jobs ORDER BY id"); !slices.Equal(got, tc.jobs) {
					t.Errorf("jobs after creating a group: %q, want %q", got, tc.jobs)
				}
				to, err := a.Groups.Recommendees(ctx, []string{"bo@example.org"})
				if err != nil {
					t.Fatal(err)
				}
				if err := a.Groups.Recommend(ctx, g, "Ada", to, "Komm!"); err != nil {
					t.Errorf("recommend: %v", err)
				}
			})
		})
	}
}

// TestNewOpensThroughOptions: the store comes only from Options.Open, and its error is the
// App's.
func TestNewOpensThroughOptions(t *testing.T) {
	cfg := loadConfig(t, "")
	if _, err := New(context.Background(), cfg, Options{}); err == nil || !strings.Contains(err.Error(), "open the store") {
		t.Errorf("without Open: %v", err)
	}
	refused := errors.New("schema outdated")
	_, err := New(context.Background(), cfg, Options{Open: func(context.Context, *config.Config) (*store.DB, error) {
		return nil, refused
	}})
	if !errors.Is(err, refused) {
		t.Errorf("the opener's error: got %v", err)
	}
}
