package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// captcha is a small sum that forms for anonymous visitors ask, against robots. The expected
// answer travels signed with secret_key in a hidden field, with a nonce; the store remembers
// each nonce that was answered, so that an answer counts once.
type captcha struct {
	A, B  int
	Token string
}

const captchaValid = 2 * time.Hour

// Pages that ask a captcha are not cached (see render): each visitor gets a sum of their own.
func (d signupData) oneTime() bool      { return true }
func (d messageData) oneTime() bool     { return d.Captcha.Token != "" }
func (d groupActionData) oneTime() bool { return d.Captcha.Token != "" }
func (d recommendData) oneTime() bool   { return d.Captcha.Token != "" }

func (s *Server) newCaptcha() captcha {
	a, b := 1+mrand.IntN(9), 1+mrand.IntN(9)
	expires := s.now().Add(captchaValid).Unix()
	nonce := make([]byte, 12)
	rand.Read(nonce)
	n := base64.RawURLEncoding.EncodeToString(nonce)
	return captcha{A: a, B: b, Token: fmt.Sprintf("%d.%s.%s", expires, n, s.sign(fmt.Sprintf("%d.%d.%s", a+b, expires, n)))}
}

// checkCaptcha tells whether answer solves the sum the token was made for, in time, and
// whether this is the first time the token is answered right (the store keeps used nonces
// for a day, longer than a token lives).
func (s *Server) checkCaptcha(token, answer string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	exp, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || s.now().Unix() > exp {
		return false
	}
	n, err := strconv.Atoi(strings.TrimSpace(answer))
	if err != nil {
		return false
	}
	if !hmac.Equal([]byte(parts[2]), []byte(s.sign(fmt.Sprintf("%d.%d.%s", n, exp, parts[1])))) {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	first, err := s.accounts.SpendCaptcha(ctx, parts[1])
	if err != nil {
		s.log.Error("remembering a captcha answer failed", "err", err)
		return false
	}
	return first
}

func (s *Server) sign(payload string) string {
	m := hmac.New(sha256.New, []byte(s.cfg.SecretKey))
	m.Write([]byte("captcha:" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
