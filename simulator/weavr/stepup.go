package weavr

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// Step-up: Weavr's stepupSCAChallenge and stepupSCAVerify. A user
// enrolled on SMS one-time passwords steps up a token by verifying a
// challenge sent to the device (always 123456 in Weavr's sandbox); the
// token is then STEPPED_UP (an access token acquired with it says so).
// A challenge belongs to the token family it was issued to, expires after
// Settings.OTPExpiry and allows Settings.OTPAttempts wrong codes.

// stepUpRetry is how long a pending step-up challenge blocks another one:
// RETRY_IN_15SEC, as its name says.
const stepUpRetry = 15 * time.Second

// StepUpChallenge is POST /multi/stepup/challenges/otp/{channel}
// (stepupSCAChallenge): it "sends" a one-time password (123456) for the
// token's session and answers 204. 409 CHANNEL_NOT_REGISTERED before SMS
// enrolment; RETRY_IN_15SEC within 15 seconds of a challenge still
// pending (not verified, expired or used up).
func (s *Service) StepUpChallenge(c *gin.Context) {
	w := s.world(c)
	a, ok := s.authToken(c, w)
	if !ok || !s.otpChannel(c) {
		return
	}
	now := s.now(c)
	_, err := w.consumers.Update(a.tok.consumerID, func(_ consumerTx, cur Consumer) (Consumer, error) {
		if !cur.SMSOTPEnrolled {
			return cur, ErrChannelNotRegistered
		}
		if p := cur.StepUp; s.pending(&p, now) && now.UnixNano()-p.Issued < int64(stepUpRetry) {
			return cur, ErrRetry15s
		}
		cur.StepUp = OTPChallenge{Issued: now.UnixNano(), Family: a.tok.family, ID: nextChallengeID(cur.StepUp.ID, now)}
		return cur, nil
	})
	if !s.respondErr(c, err) {
		return
	}
	c.Status(http.StatusNoContent)
}

// nextChallengeID is a new step-up challenge's id: the time it is issued
// in Unix nanoseconds, past the consumer's previous challenge id prev
// (a clock that stands still or goes back still gives a new id).
func nextChallengeID(prev string, now time.Time) string {
	id := now.UnixNano()
	if p, err := strconv.ParseInt(prev, 10, 64); err == nil && id <= p {
		id = p + 1
	}
	return strconv.FormatInt(id, 10)
}

// pending reports whether the challenge can still be verified.
func (s *Service) pending(ch *OTPChallenge, now time.Time) bool {
	return ch.Issued != 0 && !ch.Verified && ch.Failures < s.settings.OTPAttempts &&
		now.UnixNano()-ch.Issued <= int64(s.settings.OTPExpiry)
}

// StepUpVerify is POST /multi/stepup/challenges/otp/{channel}/verify
// (stepupSCAVerify): 123456 steps the token up, answers 204 and publishes
// /stepup/watch VERIFIED. 409s: CHANNEL_NOT_REGISTERED before enrolment;
// STATE_INVALID with no challenge issued to this token's session;
// ALREADY_VERIFIED for a challenge verified before; then checkCode's
// (the wrong code that ends the challenge publishes DECLINED, the first
// try after its expiry EXPIRED).
func (s *Service) StepUpVerify(c *gin.Context) {
	w := s.world(c)
	a, ok := s.authToken(c, w)
	if !ok || !s.otpChannel(c) {
		return
	}
	code, ok := s.decodeCode(c)
	if !ok {
		return
	}
	now := s.now(c)
	var answer error
	var event string
	next, err := w.consumers.Update(a.tok.consumerID, func(_ consumerTx, cur Consumer) (Consumer, error) {
		answer, event = nil, ""
		switch ch := cur.StepUp; {
		case !cur.SMSOTPEnrolled:
			return cur, ErrChannelNotRegistered
		case ch.Issued == 0 || ch.Family != a.tok.family:
			return cur, ErrStateInvalid
		case ch.Verified:
			return cur, ErrAlreadyVerified
		}
		before := cur.StepUp
		answer = s.checkCode(&cur.StepUp, code, now)
		switch {
		case answer == nil:
			event = stepUpVerified
		case answer == ErrChallengeLimit && before.Failures < s.settings.OTPAttempts:
			event = stepUpDeclined
		case answer == ErrCodeExpired && !before.Expired:
			event = stepUpExpired
		}
		return cur, nil
	})
	if err == nil {
		err = answer
		if answer == nil {
			w.tokens.stepUp(a.value)
		}
		if event != "" {
			s.publishStepUp(c, &next, event)
		}
	}
	if !s.respondErr(c, err) {
		return
	}
	c.Status(http.StatusNoContent)
}
