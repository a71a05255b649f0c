// Package avatars gives people and groups their picture: an uploaded image or, until there is
// one, their initials on a colour of their own.
package avatars

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// RandomColor returns a dark, saturated colour as #rrggbb on which white initials have at
// least the contrast WCAG asks of normal text (4.5:1).
func RandomColor() string {
	h, s, l := rand.Float64()*360, 0.55+rand.Float64()*0.35, 0.25+rand.Float64()*0.12
	for {
		c := hsl(h, s, l)
		if ContrastWithWhite(c) >= 4.5 {
			return c
		}
		l -= 0.02
	}
}

// ContrastWithWhite is the WCAG contrast ratio of white text on the colour #rrggbb.
func ContrastWithWhite(color string) float64 {
	var r, g, b uint8
	if _, err := fmt.Sscanf(color, "#%02x%02x%02x", &r, &g, &b); err != nil {
		return 1
	}
	linear := func(v uint8) float64 {
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	lum := 0.2126*linear(r) + 0.7152*linear(g) + 0.0722*linear(b)
	return 1.05 / (lum + 0.05)
}

// hsl converts a hue (degrees), saturation and lightness (0–1) to #rrggbb.
func hsl(h, s, l float64) string {
	c := (1 - math.Abs(2*l-1)) * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := l - c/2
	var r, g, b float64
	switch {
	case h < 60:
		r, g, b = c, x, 0
	case h < 120:
		r, g, b = x, c, 0
	case h < 180:
		r, g, b = 0, c, x
	case h < 240:
		r, g, b = 0, x, c
	case h < 300:
		r, g, b = x, 0, c
	default:
		r, g, b = c, 0, x
	}
	byte := func(v float64) int { return int(math.Round((v + m) * 255)) }
	return fmt.Sprintf("#%02x%02x%02x", byte(r), byte(g), byte(b))
}
