package sound

import (
	"fmt"
	"io"

	"github.com/ebitengine/oto/v3"
)

// OpenOto opens the default ALSA device with oto. oto allows one context
// per process, so the kiosk calls this once (through New).
func OpenOto(rate int) (Output, error) {
	ctx, ready, err := oto.NewContext(&oto.NewContextOptions{
		SampleRate: rate, ChannelCount: 1, Format: oto.FormatSignedInt16LE})
	if err != nil {
		return nil, fmt.Errorf("sound: %w", err)
	}
	<-ready
	// ALSA reports a missing device only once the context is ready.
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sound: %w", err)
	}
	return otoOutput{ctx}, nil
}

type otoOutput struct{ ctx *oto.Context }

func (o otoOutput) NewPlayer(r io.Reader) Playing { return o.ctx.NewPlayer(r) }
