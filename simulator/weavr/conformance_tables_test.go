package weavr_test

// The conformance test's tables: the served operations, the samples a
// generator cannot guess, and the constraints it leaves out (with why).

var confOps = []confOp{
	{"POST", "/login_with_password", "loginWithPassword", 200, ""},
	{"PATCH", "/consumers", "consumerUpdate", 200, ""},
	{"POST", "/consumers/verification/email/verify", "", 204, ""},
	{"POST", "/consumers", "consumerCreate", 200, "POST /consumers"},
	{"POST", "/consumers/verification/email/send", "consumerRootUserEmailVerificationCodeSend", 204, ""},
	{"POST", "/passwords/{user_id}/create", "passwordCreate", 200, ""},
	{"POST", "/consumers/kyc", "consumerKycStart", 200, ""},
	{"POST", "/access_token", "requestAccessToken", 200, ""},
	{"POST", "/authentication_factors/otp/{channel}/verify", "enrolDeviceUsingOtpStepTwo", 204, ""},
	{"POST", "/stepup/challenges/otp/{channel}/verify", "stepupSCAVerify", 204, ""},
	{"POST", "/passwords/update", "passwordUpdate", 200, ""},
	{"POST", "/passwords/validate", "passwordValidate", 204, ""},
	{"POST", "/passwords/lost_password/start", "lostPasswordInitiate", 204, ""},
	{"POST", "/passwords/lost_password/resume", "lostPasswordResume", 200, ""},
}

// confSamples are known-good values, keyed by "operation path/property
// path", for strings whose pattern or format (or the sandbox's state: the
// seeded credentials, the programme's fee groups, the sandbox verification
// code) a generator cannot guess. Each is checked against the document's
// constraints before use, and each key must name a property of the
// document.
var confSamples = map[string]string{
	"/login_with_password email":                                    "alice@example.com",
	"/login_with_password password.value":                           "Passw0rd!",
	"/consumers email":                                              "alice.new@example.com",
	"/consumers feeGroup":                                           "DEFAULT",
	"/consumers address.country":                                    "MT",
	"/consumers nationality":                                        "GB",
	"/consumers baseCurrency":                                       "GBP",
	"/consumers mobile.countryCode":                                 "+356",
	"/consumers mobile.number":                                      "79123456",
	"/consumers locale":                                             "en-GB",
	"/consumers/verification/email/verify email":                    "alice.new@example.com",
	"/consumers/verification/email/verify verificationCode":         "123456",
	"POST /consumers profileId":                                     "110546000000000001",
	"POST /consumers rootUser.email":                                "conformance.new@example.com",
	"POST /consumers rootUser.mobile.countryCode":                   "+356",
	"POST /consumers rootUser.mobile.number":                        "79123456",
	"POST /consumers rootUser.address.country":                      "MT",
	"POST /consumers rootUser.nationality":                          "MT",
	"POST /consumers rootUser.locale":                               "en-GB",
	"POST /consumers ipAddress":                                     "192.0.2.44",
	"POST /consumers baseCurrency":                                  "EUR",
	"POST /consumers feeGroup":                                      "DEFAULT",
	"/consumers/verification/email/send email":                      "grace@example.com",
	"/passwords/{user_id}/create password.value":                    "Pa55word!",
	"/access_token identity.id":                                     aliceID,
	"/authentication_factors/otp/{channel}/verify verificationCode": "123456",
	"/stepup/challenges/otp/{channel}/verify verificationCode":      "123456",
	"/passwords/update oldPassword.value":                           "Passw0rd!",
	"/passwords/update newPassword.value":                           "N3w-Passw0rd!",
	"/passwords/validate password.value":                            "N3w-Passw0rd!",
	"/passwords/lost_password/start email":                          "alice@example.com",
	"/passwords/lost_password/resume email":                         "alice@example.com",
	"/passwords/lost_password/resume nonce":                         "123456",
	"/passwords/lost_password/resume newPassword.value":             "N3w-Passw0rd!",
}

// confBadFormats are values breaking a string format the sandbox checks.
var confBadFormats = map[string]string{"email": "not-an-email"}

// confExclusions are constraints of the document no request can violate
// meaningfully, keyed "operation path/property path/constraint".
var confExclusions = map[string]string{
	"/consumers dateOfBirth.year format":                       "int32: any int32 outside 1900..2100 is caught by minimum/maximum, which are tested",
	"/consumers dateOfBirth.month format":                      "int32: any int32 outside 1..12 is caught by minimum/maximum, which are tested",
	"/consumers dateOfBirth.day format":                        "int32: any int32 outside 1..31 is caught by minimum/maximum, which are tested",
	"POST /consumers rootUser.dateOfBirth.year format":         "int32: any int32 outside 1900..2100 is caught by minimum/maximum, which are tested",
	"POST /consumers rootUser.dateOfBirth.month format":        "int32: any int32 outside 1..12 is caught by minimum/maximum, which are tested",
	"POST /consumers rootUser.dateOfBirth.day format":          "int32: any int32 outside 1..31 is caught by minimum/maximum, which are tested",
	"/login_with_password password.value format":               "password: an annotation (hide the value), not a syntax rule",
	"/passwords/{user_id}/create password.value format":        "password: an annotation (hide the value), not a syntax rule",
	"/passwords/update oldPassword.value format":               "password: an annotation (hide the value), not a syntax rule",
	"/passwords/update newPassword.value format":               "password: an annotation (hide the value), not a syntax rule",
	"/passwords/validate password.value format":                "password: an annotation (hide the value), not a syntax rule",
	"/passwords/lost_password/resume newPassword.value format": "password: an annotation (hide the value), not a syntax rule",
}

// confKnownGaps are violations the sandbox answers unlike the document,
// keyed like confExclusions (each is a sandbox bug, reported).
var confKnownGaps = map[string]string{}
