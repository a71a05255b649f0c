package avatars

import (
	"regexp"
	"testing"
)

func TestHSL(t *testing.T) {
	for _, c := range []struct {
		h, s, l float64
		want    string
	}{{0, 1, 0.5, "#ff0000"}, {120, 1, 0.25, "#008000"}, {240, 1, 0.5, "#0000ff"}, {0, 0, 1, "#ffffff"}} {
		if got := hsl(c.h, c.s, c.l); got != c.want {
			t.Errorf("hsl(%v, %v, %v) = %s, want %s", c.h, c.s, c.l, got, c.want)
		}
	}
}

// White initials must stay readable on every random colour.
func TestRandomColorContrast(t *testing.T) {
	pattern := regexp.MustCompile(`^#[0-9a-f]{6}$`)
	for range 2000 {
		c := RandomColor()
		if !pattern.MatchString(c) {
			t.Fatalf("%q is not #rrggbb", c)
		}
		if r := ContrastWithWhite(c); r < 4.5 {
			t.Fatalf("%s: contrast %.2f, want at least 4.5", c, r)
		}
	}
	if r := ContrastWithWhite("#ffffff"); r != 1 {
		t.Errorf("white on white: %.2f, want 1", r)
	}
	if r := ContrastWithWhite("#000000"); r != 21 {
		t.Errorf("white on black: %.2f, want 21", r)
	}
}
