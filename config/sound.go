package config

// Sound configures the sound cues (package sound): a short tone when an
// item is accepted or refused and when the session is about to end.
type Sound struct {
	// Enabled turns the cues on. Default false: a library chooses sound.
	Enabled bool `toml:"enabled"`
	// Volume is the cues' loudness from 0 (silent) to 1 (full scale, kept
	// below clipping). Default 0.5.
	Volume float64 `toml:"volume"`
}

// validate checks the volume.
func (s Sound) validate() []error {
	if s.Volume < 0 || s.Volume > 1 {
		return []error{&Error{"sound.volume", s.Volume, "a number from 0.0 (silent) to 1.0 (loudest)"}}
	}
	return nil
}
