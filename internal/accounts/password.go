package accounts

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: the OWASP recommendation for memory-bound servers (19 MiB, two passes),
// so that a login costs milliseconds and keeps the web daemon small.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

var b64 = base64.RawStdEncoding

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) string {
	salt := make([]byte, saltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// UnusablePassword marks an account that cannot log in with a password (a shadow account),
// in the Django convention: "!" and random characters.
func UnusablePassword() string {
	return "!" + rand.Text()
}

// PasswordUsable tells whether a stored hash can ever match a password.
func PasswordUsable(hash string) bool {
	return hash != "" && !strings.HasPrefix(hash, "!")
}

// CheckPassword tells whether password matches the stored hash: our argon2id hashes and the
// Django grouprise's pbkdf2_sha256, pbkdf2_sha1 and argon2 hashes.
func CheckPassword(hash, password string) bool {
	switch {
	case strings.HasPrefix(hash, "$argon2id$"):
		return checkArgon2id(strings.TrimPrefix(hash, "$argon2id$"), password)
	case strings.HasPrefix(hash, "argon2$argon2id$"): // Django's Argon2PasswordHasher
		return checkArgon2id(strings.TrimPrefix(hash, "argon2$argon2id$"), password)
	case strings.HasPrefix(hash, "pbkdf2_sha256$"):
		return checkPBKDF2(hash, password, sha256.New)
	case strings.HasPrefix(hash, "pbkdf2_sha1$"):
		return checkPBKDF2(hash, password, sha1.New)
	}
	return false
}

// NeedsRehash tells whether a hash that just matched should be replaced by a current one.
func NeedsRehash(hash string) bool {
	return !strings.HasPrefix(hash, fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$",
		argon2.Version, argonMemory, argonTime, argonThreads))
}

// checkArgon2id verifies "v=19$m=…,t=…,p=…$salt$key".
func checkArgon2id(rest, password string) bool {
	parts := strings.Split(rest, "$")
	if len(parts) != 4 {
		return false
	}
	m, t, p, ok := argonParams(rest)
	if !ok {
		return false
	}
	salt, err1 := b64.DecodeString(strings.TrimRight(parts[2], "="))
	want, err2 := b64.DecodeString(strings.TrimRight(parts[3], "="))
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// argonParams reads memory (KiB), passes and lanes of "v=19$m=…,t=…,p=…$…", refusing versions we do
// not know and costs beyond what we are willing to spend (a stored hash is input too).
func argonParams(rest string) (m, t uint32, p uint8, ok bool) {
	parts := strings.Split(rest, "$")
	if len(parts) < 2 || parts[0] != "v="+strconv.Itoa(argon2.Version) {
		return 0, 0, 0, false
	}
	if _, err := fmt.Sscanf(parts[1], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || t == 0 || p == 0 {
		return 0, 0, 0, false
	}
	if m == 0 || m > maxArgonMemory || t > 16 || p > 16 {
		return 0, 0, 0, false
	}
	return m, t, p, true
}

// checkPBKDF2 verifies Django's "pbkdf2_<hash>$iterations$salt$base64(key)".
func checkPBKDF2(stored, password string, h func() hash.Hash) bool {
	parts := strings.Split(stored, "$")
	if len(parts) != 4 {
		return false
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 || iter > 10_000_000 {
		return false
	}
	want, err := base64.StdEncoding.DecodeString(parts[3])
	if err != nil || len(want) == 0 {
		return false
	}
	got, err := pbkdf2.Key(h, password, []byte(parts[2]), iter, len(want))
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(got, want) == 1
}
