package images

import (
	"context"
	"errors"
	"runtime/debug"
	"time"

	"golang.org/x/sync/semaphore"

	"grouprise.org/grouprise/internal/memory"
)

// ErrBusy means that other pictures took every decoding slot for longer than MaxWait.
var ErrBusy = errors.New("images: too many pictures are being decoded")

// MaxWait is how long a picture waits for a decoding slot before ErrBusy.
const MaxWait = 30 * time.Second

// Renderer makes renditions, decoding at most a few pictures at once: a decoded picture
// takes up to 4 bytes a pixel, whatever its file's size, and the process has one Renderer
// (the web server's, see web.Deps) so that the bound holds for all requests together.
type Renderer struct {
	slots  *semaphore.Weighted
	n      int64
	memory *memory.Budget // nil: the slots alone bound it
}

// NewRenderer decodes at most slots pictures at once; a large picture (over a quarter of
// MaxPixels) takes every slot, so that two large bitmaps are never in memory together.
func NewRenderer(slots int) *Renderer {
	slots = max(slots, 1)
	return &Renderer{slots: semaphore.NewWeighted(int64(slots)), n: int64(slots)}
}

// ShareMemory makes decoding also take the memory a picture needs from budget, which the
// daemon shares with its other large work (password hashing), so that their peaks never add
// up.
func (rd *Renderer) ShareMemory(budget *memory.Budget) *Renderer {
	rd.memory = budget
	return rd
}

// bytesPerPixel is what DecodeCost charges every pixel of a picture: its bitmap (up to 4
// bytes) and what scaling into a small rendition adds. Make reserves what scaling into a
// large one takes besides (scaleCost: 67 MB for a 4000² picture into Stored, 93 MB turned).
const bytesPerPixel = 6

// acquire waits for the slots a picture of pixels needs and for reserve bytes of the
// memory budget, as long as ctx lets it and at most MaxWait; release gives them back.
func (rd *Renderer) acquire(ctx context.Context, pixels int, reserve int64) (release func(), err error) {
	weight, big := int64(1), large(pixels)
	if big {
		weight = rd.n
	}
	wait, cancel := context.WithTimeout(ctx, MaxWait)
	defer cancel()
	busy := func() error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return ErrBusy
	}
	if err := rd.slots.Acquire(wait, weight); err != nil {
		return nil, busy()
	}
	giveBack := func() {}
	if rd.memory != nil {
		if giveBack, err = rd.memory.Take(wait, reserve/1024); err != nil {
			rd.slots.Release(weight)
			return nil, busy()
		}
	}
	return func() {
		defer giveBack()
		if big {
			// Its bitmaps are garbage now: collected and given back to the system before
			// the next picture decodes, the two never add up in the process's memory.
			debug.FreeOSMemory()
		}
		rd.slots.Release(weight)
	}, nil
}

// large tells whether a picture's bitmap is large enough (over 16 MB) to have the decoding
// slots to itself and its memory given back as soon as it is garbage.
func large(pixels int) bool { return pixels > MaxPixels/4 }
