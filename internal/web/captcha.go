package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// captcha is a small sum that forms for anonymous visitors ask, against robots. The expected
// answer travels signed with secret_key in a hidden field, so no state is kept.
type captcha struct {
	A, B  int
	Token string
}

const captchaValid = 2 * time.Hour

func (s *Server) newCaptcha() captcha {
	a, b := 1+rand.IntN(9), 1+rand.IntN(9)
	expires := s.now().Add(captchaValid).Unix()
	payload := fmt.Sprintf("%d.%d", a+b, expires)
	return captcha{A: a, B: b, Token: fmt.Sprintf("%d.%s", expires, s.sign(payload))}
}

// checkCaptcha tells whether answer solves the sum the token was made for (and in time).
func (s *Server) checkCaptcha(token, answer string) bool {
	expires, mac, ok := strings.Cut(token, ".")
	if !ok {
		return false
	}
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || s.now().Unix() > exp {
		return false
	}
	n, err := strconv.Atoi(strings.TrimSpace(answer))
	if err != nil {
		return false
	}
	return hmac.Equal([]byte(mac), []byte(s.sign(fmt.Sprintf("%d.%d", n, exp))))
}

func (s *Server) sign(payload string) string {
	m := hmac.New(sha256.New, []byte(s.cfg.SecretKey))
	m.Write([]byte("captcha:" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
