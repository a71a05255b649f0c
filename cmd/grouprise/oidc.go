package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"grouprise.org/grouprise/internal/app"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/oidcprovider"
	"grouprise.org/grouprise/internal/store"
)

// oidcKeys is the signing key directory in the data path.
func oidcKeys(cfg *config.Config) *oidcprovider.Keys {
	return &oidcprovider.Keys{Dir: filepath.Join(cfg.DataPath, "oidc")}
}

func runOIDC(ctx context.Context, e *env, args []string) error {
	const usage = "usage: grouprise oidc client add|list|remove|new-secret … | grouprise oidc rotate-key | grouprise oidc synapse-config"
	if len(args) == 0 {
		return usagef(usage)
	}
	switch args[0] {
	case "rotate-key":
		return oidcRotateKey(ctx, e, args[1:])
	case "synapse-config":
		return oidcSynapseConfig(ctx, e, args[1:])
	case "client":
		if len(args) < 2 {
			return usagef(usage)
		}
		sub := map[string]func(context.Context, *env, []string) error{
			"add": oidcClientAdd, "list": oidcClientList, "remove": oidcClientRemove, "new-secret": oidcClientSecret,
		}[args[1]]
		if sub == nil {
			return usagef("unknown oidc client command %q; expected add, list, remove or new-secret", args[1])
		}
		return sub(ctx, e, args[2:])
	}
	return usagef("unknown oidc command %q; expected client, rotate-key or synapse-config", args[0])
}

// stringList is a flag that may be given several times.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, " ") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

func oidcClientAdd(ctx context.Context, e *env, args []string) error {
	fs := e.flags("oidc client add", "CLIENT_ID --redirect-uri URI… [--name NAME] [--public] [--trusted] [--post-logout-uri URI…]")
	var redirects, logouts stringList
	fs.Var(&redirects, "redirect-uri", "where the client receives the code (exactly; may be given several times)")
	fs.Var(&logouts, "post-logout-uri", "where the client may send people after logging out (may be given several times)")
	name := fs.String("name", "", "the name people see when they are asked to agree (default: the client id)")
	public := fs.Bool("public", false, "a public client (an app in the browser or on a device): no secret, PKCE required")
	trusted := fs.Bool("trusted", false, "one of the site's own services: nobody is asked to agree")
	rest, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	c := &store.OIDCClient{ClientID: rest[0], Name: *name, RedirectURIs: redirects, PostLogoutRedirectURIs: logouts,
		Trusted: *trusted, CreatedAt: time.Now()}
	if c.Name == "" {
		c.Name = c.ClientID
	}
	if len(c.RedirectURIs) == 0 {
		return usagef("--redirect-uri is required")
	}
	for _, u := range append(append([]string{}, c.RedirectURIs...), c.PostLogoutRedirectURIs...) {
		if err := checkRedirectURI(u); err != nil {
			return usagef("%s", err)
		}
	}
	var secret string
	if !*public {
		secret = oidcprovider.NewSecret()
		c.SecretHash = oidcprovider.HashSecret(secret)
	}
	return withApp(ctx, e, func(a *app.App) error {
		if err := oidcprovider.NewClients(a.DB).Add(ctx, c); errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("a client %q exists already", c.ClientID)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "client_id: %s\n", c.ClientID)
		if secret != "" {
			fmt.Fprintf(e.stdout, "client_secret: %s\n", secret)
		}
		fmt.Fprintf(e.stdout, "issuer: %s%s\n", a.Config.BaseURL(), oidcprovider.Path)
		if !a.Config.OIDCProvider.Enabled {
			fmt.Fprintln(e.stderr, "note: oidc_provider.enabled is off; set it and restart the web daemon")
		}
		return nil
	})
}

// checkRedirectURI accepts absolute URIs without fragments (RFC 6749, section 3.1.2): https,
// http (loopback addresses of native apps, sites without TLS), and custom schemes of native
// apps, but none that a browser would run or read locally.
func checkRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("redirect URI %q: must be absolute and without a fragment", raw)
	}
	switch strings.ToLower(u.Scheme) {
	case "javascript", "data", "file", "vbscript", "about", "blob", "filesystem":
		return fmt.Errorf("redirect URI %q: the scheme %s is not allowed", raw, u.Scheme)
	}
	if (u.Scheme == "http" || u.Scheme == "https") && u.Host == "" {
		return fmt.Errorf("redirect URI %q: has no host", raw)
	}
	return nil
}

func oidcClientList(ctx context.Context, e *env, args []string) error {
	if _, err := parse(e.flags("oidc client list", ""), args, 0, 0); err != nil {
		return err
	}
	return withApp(ctx, e, func(a *app.App) error {
		clients, err := a.DB.OIDCClients(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "CLIENT_ID\tNAME\tTYPE\tTRUSTED\tREDIRECT URIS")
		for _, c := range clients {
			kind := "confidential"
			if c.Public() {
				kind = "public"
			}
			trusted := "no"
			if c.Trusted {
				trusted = "yes"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", c.ClientID, c.Name, kind, trusted, strings.Join(c.RedirectURIs, " "))
		}
		return w.Flush()
	})
}

func oidcClientRemove(ctx context.Context, e *env, args []string) error {
	rest, err := parse(e.flags("oidc client remove", "CLIENT_ID"), args, 1, 1)
	if err != nil {
		return err
	}
	return withApp(ctx, e, func(a *app.App) error {
		if err := oidcprovider.NewClients(a.DB).Remove(ctx, rest[0]); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no client %q", rest[0])
		} else if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "removed client %s with its tokens and consents\n", rest[0])
		return nil
	})
}

func oidcClientSecret(ctx context.Context, e *env, args []string) error {
	rest, err := parse(e.flags("oidc client new-secret", "CLIENT_ID"), args, 1, 1)
	if err != nil {
		return err
	}
	return withApp(ctx, e, func(a *app.App) error {
		secret, err := oidcprovider.NewClients(a.DB).NewSecret(ctx, rest[0])
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no confidential client %q", rest[0])
		} else if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "client_secret: %s\n", secret)
		return nil
	})
}

func oidcRotateKey(_ context.Context, e *env, args []string) error {
	if _, err := parse(e.flags("oidc rotate-key", ""), args, 0, 0); err != nil {
		return err
	}
	cfg, err := e.loadConfigAsOwner()
	if err != nil {
		return err
	}
	id, err := oidcKeys(cfg).Rotate(time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "new signing key %s; the previous key stays published until the next rotation\n", id)
	return nil
}

// synapseClient is the client id of the site's Matrix homeserver, as the Django grouprise
// named its OAuth application.
const synapseClient = "matrix_chat"

// oidcSynapseConfig registers the site's homeserver as a trusted client and prints the
// configuration that lets Synapse log people in with their grouprise accounts (the Django
// grouprise's `matrix_chat_manage print-synapse-configuration`). The secret is shown once:
// when the client exists, only --new-secret prints the configuration again.
func oidcSynapseConfig(ctx context.Context, e *env, args []string) error {
	fs := e.flags("oidc synapse-config", "[--homeserver-url URL] [--new-secret]")
	homeserver := fs.String("homeserver-url", "", "the homeserver's public address, for the client's redirect URI when it is made (default: the site's scheme with matrix_chat.domain, else the site's domain)")
	renew := fs.Bool("new-secret", false, "the client exists: give it a new secret and print the configuration again (the old one stops working)")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	return withApp(ctx, e, func(a *app.App) error {
		base := strings.TrimSuffix(*homeserver, "/")
		if base == "" {
			domain := a.Config.MatrixChat.Domain
			if domain == "" {
				domain = a.Config.Domain
			}
			scheme, _, _ := strings.Cut(a.Config.BaseURL(), "://")
			base = scheme + "://" + domain
		}
		redirect := base + "/_synapse/client/oidc/callback"
		if err := checkRedirectURI(redirect); err != nil {
			return usagef("--homeserver-url: %s", err)
		}
		clients := oidcprovider.NewClients(a.DB)
		secret := oidcprovider.NewSecret()
		_, err := a.DB.OIDCClientByClientID(ctx, synapseClient)
		switch {
		case errors.Is(err, store.ErrNotFound):
			err = clients.Add(ctx, &store.OIDCClient{ClientID: synapseClient, Name: "Matrix",
				SecretHash: oidcprovider.HashSecret(secret), RedirectURIs: []string{redirect}, Trusted: true, CreatedAt: time.Now()})
		case err != nil:
		case !*renew:
			err = fmt.Errorf("the client %s exists already and its secret is not kept; --new-secret gives it a new one and prints the configuration again", synapseClient)
		default:
			secret, err = clients.NewSecret(ctx, synapseClient)
		}
		if err != nil {
			return err
		}
		printSynapseConfig(e, a.Config, secret)
		return nil
	})
}

// printSynapseConfig writes Synapse's oidc_providers entry for the site.
func printSynapseConfig(e *env, cfg *config.Config, secret string) {
	fmt.Fprintf(e.stdout, `# Synapse logs people in with their accounts of %[1]s (grouprise).
# For /etc/matrix-synapse/conf.d/grouprise-oidc.yaml; readable by matrix-synapse only.
oidc_providers:
  - idp_id: grouprise
    idp_name: %[1]q
    issuer: %[2]q
    client_id: %[3]s
    client_secret: %[4]q
    client_auth_method: client_secret_basic
    scopes: ["openid", "profile", "email"]
    user_mapping_provider:
      config:
        subject_claim: sub
        localpart_template: "{{ user.id }}"
        display_name_template: "{{ user.display_name }}"
        email_template: "{{ user.email }}"
`, cfg.Domain, cfg.BaseURL()+oidcprovider.Path, synapseClient, secret)
	if !cfg.OIDCProvider.Enabled {
		fmt.Fprintln(e.stderr, "note: oidc_provider.enabled is off; set it and restart the web daemon")
	}
}
