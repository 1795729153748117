// Package sip2 implements the 3M Standard Interchange Protocol 2.00 that
// self-service kiosks use to talk to a library system (the ACS): a codec
// built from the spec's tables, three transports (raw TCP, TLS and FBS's
// SIP2-over-HTTPS XML envelope), and a client with ready actions.
//
// The spec is "3M Standard Interchange Protocol Version 2.00" (rev 2.12,
// 2006); the facts used here are summarised in docs/protocols.md §1 and the
// failure handling in docs/reliability.md §1.
//
// # Layers
//
//   - Tables: Spec(code) gives each message's fixed fields (name, width)
//     and known variable fields. Fixed fields are addressed by the F…
//     name constants, variable fields by the Field… id constants.
//   - Codec: Message, NewMessage, Encode (strict spec output without the
//     terminator, optional AY/AZ) and Decode (lenient by default, Strict
//     for conformance tests, VerifyChecksum for responses). Checksum,
//     VerifyChecksum, CheckSeq, FormatDate, ParseDate, ParseDueDate and
//     the per-connection Charset are the helpers.
//   - Framing: FrameReader splits a CR/LF stream with a length limit;
//     WriteFrame appends CR.
//   - Transports: Conn (Send/Receive/Close) opened by a Dialer: TCPDialer,
//     TLSDialer (TLS 1.2+, verified, no fallback) and FBSDialer (POST of
//     the XML envelope; MarshalFBS…/ParseFBS… are shared with the
//     simulator).
//   - Client: NewClient(Options) with Login, SCStatus, PatronStatus,
//     PatronInformation, Checkout, Checkin, Renew, RenewAll,
//     ItemInformation, EndPatronSession, BlockPatron, and Do for any
//     message. Settle resolves ErrOutcomeUnknown with Item Information.
//     Pool runs several clients in parallel.
//
// # Reliability
//
// One request is in flight per connection. A read timeout or a 96 resends
// the identical bytes (not for 11/29/09 after a timeout, unless
// Options.ResendUnsafeOnTimeout); a response with a bad checksum is answered
// with 97 on the same connection; a dropped connection is re-dialled and
// logged in again, and requests that are safe to repeat are retried once.
// A Checkout, Renew or Checkin whose connection broke after sending returns
// an error matching ErrOutcomeUnknown: never success, never failure.
//
// # Privacy
//
// Message.String and MaskFrame mask passwords, PINs, patron ids and
// personal data (and the checksum of such messages) for logs and the
// technician's probe. The package logs only through Options.Logger.
//
// The package imports only the standard library and golang.org/x/text.
package sip2
