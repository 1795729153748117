// Package sound plays the kiosk's sound cues (kiosk.Sounds) on the
// machine's default ALSA device through github.com/ebitengine/oto/v3. The
// cues are short sine tones generated in code, so no sound files ship with
// the kiosk. A machine without a sound device plays nothing: that is logged
// once and is not an error, as the cues only repeat what the screen says.
package sound

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/danbib/kiosk/kiosk"
)

// SampleRate is the rate the cues are generated and played at.
const SampleRate = 48000

// peak is the loudest sample at volume 1: below full scale, so that no
// tone clips however the notes are shaped.
const peak = 0.8 * math.MaxInt16

// Edge is the attack and release of every note: long enough that a note
// starts and ends without a click, short enough to keep it crisp.
const Edge = 5 * time.Millisecond

// Note is one tone of a cue; Hz 0 is a rest.
type Note struct {
	Hz  float64
	Dur time.Duration
}

// Notes are the cues' tunes: accepted rises, refused falls and is longer,
// ending is three even beeps that ask for attention.
var Notes = map[kiosk.Cue][]Note{
	kiosk.CueAccepted: {{880, 80 * time.Millisecond}, {1320, 120 * time.Millisecond}},
	kiosk.CueRefused:  {{392, 180 * time.Millisecond}, {262, 260 * time.Millisecond}},
	kiosk.CueEnding: {{660, 100 * time.Millisecond}, {0, 80 * time.Millisecond},
		{660, 100 * time.Millisecond}, {0, 80 * time.Millisecond}, {660, 100 * time.Millisecond}},
}

// Samples renders notes as mono samples at rate, each note shaped by a
// linear attack and release of Edge. volume is clamped to 0–1.
func Samples(notes []Note, rate int, volume float64) []int16 {
	volume = min(max(volume, 0), 1)
	n := 0
	for _, nt := range notes {
		n += samplesOf(nt.Dur, rate)
	}
	out := make([]int16, 0, n)
	edge := samplesOf(Edge, rate)
	for _, nt := range notes {
		k := samplesOf(nt.Dur, rate)
		e := min(edge, k/2)
		for i := range k {
			if nt.Hz == 0 {
				out = append(out, 0)
				continue
			}
			env := 1.0
			if i < e {
				env = float64(i) / float64(e)
			} else if k-1-i < e {
				env = float64(k-1-i) / float64(e)
			}
			v := math.Sin(2*math.Pi*nt.Hz*float64(i)/float64(rate)) * env * volume * peak
			out = append(out, int16(math.Round(v)))
		}
	}
	return out
}

// samplesOf is the number of samples d lasts at rate.
func samplesOf(d time.Duration, rate int) int {
	return int(d * time.Duration(rate) / time.Second)
}

// pcm encodes samples as 16-bit little-endian, oto's format.
func pcm(s []int16) []byte {
	b := make([]byte, 2*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}

// Output is an open sound device: NewPlayer plays what it reads.
type Output interface {
	NewPlayer(r io.Reader) Playing
}

// Playing is a sound being played.
type Playing interface {
	Play()
	Pause()
}

// Opener opens the sound device, at the rate, mono, 16-bit; an error means
// there is none to play on.
type Opener func(rate int) (Output, error)

// Player is the kiosk.Sounds that plays the cues.
type Player struct {
	log  logrus.FieldLogger
	cues map[kiosk.Cue][]byte

	mu  sync.Mutex
	out Output  // nil until the device is open, and for good when there is none
	cur Playing // the cue playing: a new cue cuts it short
}

// New returns a Player at volume (0–1) and starts opening the device with
// open (OpenOto in the kiosk) in the background, so that the kiosk starts
// without waiting for the sound system. Cues before the device is open,
// and every cue on a machine without one, are not played.
func New(volume float64, open Opener, log logrus.FieldLogger) *Player {
	if log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		log = l
	}
	p := &Player{log: log.WithField("component", "sound"), cues: map[kiosk.Cue][]byte{}}
	for c, notes := range Notes {
		p.cues[c] = pcm(Samples(notes, SampleRate, volume))
	}
	go p.open(open)
	return p
}

// open opens the device once; its failure is logged once, as a warning: a
// kiosk without sound works, but someone who enabled the cues wants to know.
func (p *Player) open(open Opener) {
	out, err := open(SampleRate)
	if err != nil {
		p.log.WithError(err).Warn("sound: no sound device, the cues stay silent")
		return
	}
	p.mu.Lock()
	p.out = out
	p.mu.Unlock()
}

// Play starts the cue and returns at once.
func (p *Player) Play(c kiosk.Cue) {
	b, ok := p.cues[c]
	if !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.out == nil {
		return
	}
	if p.cur != nil {
		p.cur.Pause()
	}
	p.cur = p.out.NewPlayer(bytes.NewReader(b))
	p.cur.Play()
}
