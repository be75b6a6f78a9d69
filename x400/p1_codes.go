package x400

import "strconv"

// NonDeliveryReason is the non-delivery-reason-code of a non-delivery
// report, X.411 §8.3.1.2.1.9:
//
//	NonDeliveryReasonCode ::= INTEGER { transfer-failure (0), ... }(0..ub-reason-codes)
type NonDeliveryReason int

// DiagnosticCode is the non-delivery-diagnostic-code of a non-delivery
// report, X.411 §8.3.1.2.1.10:
//
//	NonDeliveryDiagnosticCode ::= INTEGER { unrecognised-OR-name (0), ... }(0..ub-diagnostic-codes)
type DiagnosticCode int

// StandardExtension is the number of a standard extension, X.411 §9 (MTSAbstractService):
//
//	ExtensionType ::= CHOICE {
//	  standard-extension  [0]  INTEGER (0..ub-extension-types),
//	  private-extension   [3]  OBJECT IDENTIFIER }
type StandardExtension int

// The non-delivery reason codes, X.411 §8.3.1.2.1.9 (NonDeliveryReasonCode).
const (
	ReasonTransferFailure                  NonDeliveryReason = 0 // transfer-failure
	ReasonUnableToTransfer                 NonDeliveryReason = 1 // unable-to-transfer
	ReasonConversionNotPerformed           NonDeliveryReason = 2 // conversion-not-performed
	ReasonPhysicalRenditionNotPerformed    NonDeliveryReason = 3 // physical-rendition-not-performed
	ReasonPhysicalDeliveryNotPerformed     NonDeliveryReason = 4 // physical-delivery-not-performed
	ReasonRestrictedDelivery               NonDeliveryReason = 5 // restricted-delivery
	ReasonDirectoryOperationUnsuccessful   NonDeliveryReason = 6 // directory-operation-unsuccessful
	ReasonDeferredDeliveryNotPerformed     NonDeliveryReason = 7 // deferred-delivery-not-performed
	ReasonTransferFailureForSecurityReason NonDeliveryReason = 8 // transfer-failure-for-security-reason
)

var p1NonDeliveryReasonNames = [...]string{
	0: "transfer-failure",
	1: "unable-to-transfer",
	2: "conversion-not-performed",
	3: "physical-rendition-not-performed",
	4: "physical-delivery-not-performed",
	5: "restricted-delivery",
	6: "directory-operation-unsuccessful",
	7: "deferred-delivery-not-performed",
	8: "transfer-failure-for-security-reason",
}

// The non-delivery diagnostic codes, X.411 §8.3.1.2.1.10
// (NonDeliveryDiagnosticCode).
const (
	DiagnosticUnrecognisedORName                                        DiagnosticCode = 0  // unrecognised-OR-name
	DiagnosticAmbiguousORName                                           DiagnosticCode = 1  // ambiguous-OR-name
	DiagnosticMTSCongestion                                             DiagnosticCode = 2  // mts-congestion
	DiagnosticLoopDetected                                              DiagnosticCode = 3  // loop-detected
	DiagnosticRecipientUnavailable                                      DiagnosticCode = 4  // recipient-unavailable
	DiagnosticMaximumTimeExpired                                        DiagnosticCode = 5  // maximum-time-expired
	DiagnosticEncodedInformationTypesUnsupported                        DiagnosticCode = 6  // encoded-information-types-unsupported
	DiagnosticContentTooLong                                            DiagnosticCode = 7  // content-too-long
	DiagnosticConversionImpractical                                     DiagnosticCode = 8  // conversion-impractical
	DiagnosticImplicitConversionProhibited                              DiagnosticCode = 9  // implicit-conversion-prohibited
	DiagnosticImplicitConversionNotSubscribed                           DiagnosticCode = 10 // implicit-conversion-not-subscribed
	DiagnosticInvalidArguments                                          DiagnosticCode = 11 // invalid-arguments
	DiagnosticContentSyntaxError                                        DiagnosticCode = 12 // content-syntax-error
	DiagnosticSizeConstraintViolation                                   DiagnosticCode = 13 // size-constraint-violation
	DiagnosticProtocolViolation                                         DiagnosticCode = 14 // protocol-violation
	DiagnosticContentTypeNotSupported                                   DiagnosticCode = 15 // content-type-not-supported
	DiagnosticTooManyRecipients                                         DiagnosticCode = 16 // too-many-recipients
	DiagnosticNoBilateralAgreement                                      DiagnosticCode = 17 // no-bilateral-agreement
	DiagnosticUnsupportedCriticalFunction                               DiagnosticCode = 18 // unsupported-critical-function
	DiagnosticConversionWithLossProhibited                              DiagnosticCode = 19 // conversion-with-loss-prohibited
	DiagnosticLineTooLong                                               DiagnosticCode = 20 // line-too-long
	DiagnosticPageSplit                                                 DiagnosticCode = 21 // page-split
	DiagnosticPictorialSymbolLoss                                       DiagnosticCode = 22 // pictorial-symbol-loss
	DiagnosticPunctuationSymbolLoss                                     DiagnosticCode = 23 // punctuation-symbol-loss
	DiagnosticAlphabeticCharacterLoss                                   DiagnosticCode = 24 // alphabetic-character-loss
	DiagnosticMultipleInformationLoss                                   DiagnosticCode = 25 // multiple-information-loss
	DiagnosticRecipientReassignmentProhibited                           DiagnosticCode = 26 // recipient-reassignment-prohibited
	DiagnosticRedirectionLoopDetected                                   DiagnosticCode = 27 // redirection-loop-detected
	DiagnosticDLExpansionProhibited                                     DiagnosticCode = 28 // dl-expansion-prohibited
	DiagnosticNoDLSubmitPermission                                      DiagnosticCode = 29 // no-dl-submit-permission
	DiagnosticDLExpansionFailure                                        DiagnosticCode = 30 // dl-expansion-failure
	DiagnosticPhysicalRenditionAttributesNotSupported                   DiagnosticCode = 31 // physical-rendition-attributes-not-supported
	DiagnosticUndeliverableMailPhysicalDeliveryAddressIncorrect         DiagnosticCode = 32 // undeliverable-mail-physical-delivery-address-incorrect
	DiagnosticUndeliverableMailPhysicalDeliveryOfficeIncorrectOrInvalid DiagnosticCode = 33 // undeliverable-mail-physical-delivery-office-incorrect-or-invalid
	DiagnosticUndeliverableMailPhysicalDeliveryAddressIncomplete        DiagnosticCode = 34 // undeliverable-mail-physical-delivery-address-incomplete
	DiagnosticUndeliverableMailRecipientUnknown                         DiagnosticCode = 35 // undeliverable-mail-recipient-unknown
	DiagnosticUndeliverableMailRecipientDeceased                        DiagnosticCode = 36 // undeliverable-mail-recipient-deceased
	DiagnosticUndeliverableMailOrganizationExpired                      DiagnosticCode = 37 // undeliverable-mail-organization-expired
	DiagnosticUndeliverableMailRecipientRefusedToAccept                 DiagnosticCode = 38 // undeliverable-mail-recipient-refused-to-accept
	DiagnosticUndeliverableMailRecipientDidNotClaim                     DiagnosticCode = 39 // undeliverable-mail-recipient-did-not-claim
	DiagnosticUndeliverableMailRecipientChangedAddressPermanently       DiagnosticCode = 40 // undeliverable-mail-recipient-changed-address-permanently
	DiagnosticUndeliverableMailRecipientChangedAddressTemporarily       DiagnosticCode = 41 // undeliverable-mail-recipient-changed-address-temporarily
	DiagnosticUndeliverableMailRecipientChangedTemporaryAddress         DiagnosticCode = 42 // undeliverable-mail-recipient-changed-temporary-address
	DiagnosticUndeliverableMailNewAddressUnknown                        DiagnosticCode = 43 // undeliverable-mail-new-address-unknown
	DiagnosticUndeliverableMailRecipientDidNotWantForwarding            DiagnosticCode = 44 // undeliverable-mail-recipient-did-not-want-forwarding
	DiagnosticUndeliverableMailOriginatorProhibitedForwarding           DiagnosticCode = 45 // undeliverable-mail-originator-prohibited-forwarding
	DiagnosticSecureMessagingError                                      DiagnosticCode = 46 // secure-messaging-error
	DiagnosticUnableToDowngrade                                         DiagnosticCode = 47 // unable-to-downgrade
	DiagnosticUnableToCompleteTransfer                                  DiagnosticCode = 48 // unable-to-complete-transfer
	DiagnosticTransferAttemptsLimitReached                              DiagnosticCode = 49 // transfer-attempts-limit-reached
	DiagnosticIncorrectNotificationType                                 DiagnosticCode = 50 // incorrect-notification-type
	DiagnosticDLExpansionProhibitedBySecurityPolicy                     DiagnosticCode = 51 // dl-expansion-prohibited-by-security-policy
	DiagnosticForbiddenAlternateRecipient                               DiagnosticCode = 52 // forbidden-alternate-recipient
	DiagnosticSecurityPolicyViolation                                   DiagnosticCode = 53 // security-policy-violation
	DiagnosticSecurityServicesRefusal                                   DiagnosticCode = 54 // security-services-refusal
	DiagnosticUnauthorisedDLMember                                      DiagnosticCode = 55 // unauthorised-dl-member
	DiagnosticUnauthorisedDLName                                        DiagnosticCode = 56 // unauthorised-dl-name
	DiagnosticUnauthorisedOriginallyIntendedRecipientName               DiagnosticCode = 57 // unauthorised-originally-intended-recipient-name
	DiagnosticUnauthorisedOriginatorName                                DiagnosticCode = 58 // unauthorised-originator-name
	DiagnosticUnauthorisedRecipientName                                 DiagnosticCode = 59 // unauthorised-recipient-name
	DiagnosticUnreliableSystem                                          DiagnosticCode = 60 // unreliable-system
	DiagnosticAuthenticationFailureOnSubjectMessage                     DiagnosticCode = 61 // authentication-failure-on-subject-message
	DiagnosticDecryptionFailed                                          DiagnosticCode = 62 // decryption-failed
	DiagnosticDecryptionKeyUnobtainable                                 DiagnosticCode = 63 // decryption-key-unobtainable
	DiagnosticDoubleEnvelopeCreationFailure                             DiagnosticCode = 64 // double-envelope-creation-failure
	DiagnosticDoubleEnvelopingMessageRestoringFailure                   DiagnosticCode = 65 // double-enveloping-message-restoring-failure
	DiagnosticFailureOfProofOfMessage                                   DiagnosticCode = 66 // failure-of-proof-of-message
	DiagnosticIntegrityFailureOnSubjectMessage                          DiagnosticCode = 67 // integrity-failure-on-subject-message
	DiagnosticInvalidSecurityLabel                                      DiagnosticCode = 68 // invalid-security-label
	DiagnosticKeyFailure                                                DiagnosticCode = 69 // key-failure
	DiagnosticMandatoryParameterAbsence                                 DiagnosticCode = 70 // mandatory-parameter-absence
	DiagnosticOperationSecurityFailure                                  DiagnosticCode = 71 // operation-security-failure
	DiagnosticRepudiationFailureOfMessage                               DiagnosticCode = 72 // repudiation-failure-of-message
	DiagnosticSecurityContextFailure                                    DiagnosticCode = 73 // security-context-failure
	DiagnosticTokenDecryptionFailed                                     DiagnosticCode = 74 // token-decryption-failed
	DiagnosticTokenError                                                DiagnosticCode = 75 // token-error
	DiagnosticUnknownSecurityLabel                                      DiagnosticCode = 76 // unknown-security-label
	DiagnosticUnsupportedAlgorithmIdentifier                            DiagnosticCode = 77 // unsupported-algorithm-identifier
	DiagnosticUnsupportedSecurityPolicy                                 DiagnosticCode = 78 // unsupported-security-policy
)

var p1DiagnosticCodeNames = [...]string{
	0:  "unrecognised-OR-name",
	1:  "ambiguous-OR-name",
	2:  "mts-congestion",
	3:  "loop-detected",
	4:  "recipient-unavailable",
	5:  "maximum-time-expired",
	6:  "encoded-information-types-unsupported",
	7:  "content-too-long",
	8:  "conversion-impractical",
	9:  "implicit-conversion-prohibited",
	10: "implicit-conversion-not-subscribed",
	11: "invalid-arguments",
	12: "content-syntax-error",
	13: "size-constraint-violation",
	14: "protocol-violation",
	15: "content-type-not-supported",
	16: "too-many-recipients",
	17: "no-bilateral-agreement",
	18: "unsupported-critical-function",
	19: "conversion-with-loss-prohibited",
	20: "line-too-long",
	21: "page-split",
	22: "pictorial-symbol-loss",
	23: "punctuation-symbol-loss",
	24: "alphabetic-character-loss",
	25: "multiple-information-loss",
	26: "recipient-reassignment-prohibited",
	27: "redirection-loop-detected",
	28: "dl-expansion-prohibited",
	29: "no-dl-submit-permission",
	30: "dl-expansion-failure",
	31: "physical-rendition-attributes-not-supported",
	32: "undeliverable-mail-physical-delivery-address-incorrect",
	33: "undeliverable-mail-physical-delivery-office-incorrect-or-invalid",
	34: "undeliverable-mail-physical-delivery-address-incomplete",
	35: "undeliverable-mail-recipient-unknown",
	36: "undeliverable-mail-recipient-deceased",
	37: "undeliverable-mail-organization-expired",
	38: "undeliverable-mail-recipient-refused-to-accept",
	39: "undeliverable-mail-recipient-did-not-claim",
	40: "undeliverable-mail-recipient-changed-address-permanently",
	41: "undeliverable-mail-recipient-changed-address-temporarily",
	42: "undeliverable-mail-recipient-changed-temporary-address",
	43: "undeliverable-mail-new-address-unknown",
	44: "undeliverable-mail-recipient-did-not-want-forwarding",
	45: "undeliverable-mail-originator-prohibited-forwarding",
	46: "secure-messaging-error",
	47: "unable-to-downgrade",
	48: "unable-to-complete-transfer",
	49: "transfer-attempts-limit-reached",
	50: "incorrect-notification-type",
	51: "dl-expansion-prohibited-by-security-policy",
	52: "forbidden-alternate-recipient",
	53: "security-policy-violation",
	54: "security-services-refusal",
	55: "unauthorised-dl-member",
	56: "unauthorised-dl-name",
	57: "unauthorised-originally-intended-recipient-name",
	58: "unauthorised-originator-name",
	59: "unauthorised-recipient-name",
	60: "unreliable-system",
	61: "authentication-failure-on-subject-message",
	62: "decryption-failed",
	63: "decryption-key-unobtainable",
	64: "double-envelope-creation-failure",
	65: "double-enveloping-message-restoring-failure",
	66: "failure-of-proof-of-message",
	67: "integrity-failure-on-subject-message",
	68: "invalid-security-label",
	69: "key-failure",
	70: "mandatory-parameter-absence",
	71: "operation-security-failure",
	72: "repudiation-failure-of-message",
	73: "security-context-failure",
	74: "token-decryption-failed",
	75: "token-error",
	76: "unknown-security-label",
	77: "unsupported-algorithm-identifier",
	78: "unsupported-security-policy",
}

// The standard extension types, X.411 §9 (StandardExtension), the
// numbers of the EXTENSION objects of X.411 Figure 2, X.413 and X.420.
const (
	ExtRecipientReassignmentProhibited           StandardExtension = 1  // recipient-reassignment-prohibited
	ExtOriginatorRequestedAlternateRecipient     StandardExtension = 2  // originator-requested-alternate-recipient
	ExtDLExpansionProhibited                     StandardExtension = 3  // dl-expansion-prohibited
	ExtConversionWithLossProhibited              StandardExtension = 4  // conversion-with-loss-prohibited
	ExtLatestDeliveryTime                        StandardExtension = 5  // latest-delivery-time
	ExtRequestedDeliveryMethod                   StandardExtension = 6  // requested-delivery-method
	ExtPhysicalForwardingProhibited              StandardExtension = 7  // physical-forwarding-prohibited
	ExtPhysicalForwardingAddressRequest          StandardExtension = 8  // physical-forwarding-address-request
	ExtPhysicalDeliveryModes                     StandardExtension = 9  // physical-delivery-modes
	ExtRegisteredMailType                        StandardExtension = 10 // registered-mail-type
	ExtRecipientNumberForAdvice                  StandardExtension = 11 // recipient-number-for-advice
	ExtPhysicalRenditionAttributes               StandardExtension = 12 // physical-rendition-attributes
	ExtOriginatorReturnAddress                   StandardExtension = 13 // originator-return-address
	ExtPhysicalDeliveryReportRequest             StandardExtension = 14 // physical-delivery-report-request
	ExtOriginatorCertificate                     StandardExtension = 15 // originator-certificate
	ExtMessageToken                              StandardExtension = 16 // message-token
	ExtContentConfidentialityAlgorithmIdentifier StandardExtension = 17 // content-confidentiality-algorithm-identifier
	ExtContentIntegrityCheck                     StandardExtension = 18 // content-integrity-check
	ExtMessageOriginAuthenticationCheck          StandardExtension = 19 // message-origin-authentication-check
	ExtMessageSecurityLabel                      StandardExtension = 20 // message-security-label
	ExtProofOfSubmissionRequest                  StandardExtension = 21 // proof-of-submission-request
	ExtProofOfDeliveryRequest                    StandardExtension = 22 // proof-of-delivery-request
	ExtContentCorrelator                         StandardExtension = 23 // content-correlator
	ExtProbeOriginAuthenticationCheck            StandardExtension = 24 // probe-origin-authentication-check
	ExtRedirectionHistory                        StandardExtension = 25 // redirection-history
	ExtDLExpansionHistory                        StandardExtension = 26 // dl-expansion-history
	ExtPhysicalForwardingAddress                 StandardExtension = 27 // physical-forwarding-address
	ExtRecipientCertificate                      StandardExtension = 28 // recipient-certificate
	ExtProofOfDelivery                           StandardExtension = 29 // proof-of-delivery
	ExtOriginatorAndDLExpansionHistory           StandardExtension = 30 // originator-and-DL-expansion-history
	ExtReportingDLName                           StandardExtension = 31 // reporting-DL-name
	ExtReportingMTACertificate                   StandardExtension = 32 // reporting-MTA-certificate
	ExtReportOriginAuthenticationCheck           StandardExtension = 33 // report-origin-authentication-check
	ExtOriginatingMTACertificate                 StandardExtension = 34 // originating-MTA-certificate
	ExtProofOfSubmission                         StandardExtension = 35 // proof-of-submission
	ExtForwardingRequest                         StandardExtension = 36 // forwarding-request
	ExtTraceInformation                          StandardExtension = 37 // trace-information
	ExtInternalTraceInformation                  StandardExtension = 38 // internal-trace-information
	ExtReportingMTAName                          StandardExtension = 39 // reporting-MTA-name
	ExtMultipleOriginatorCertificates            StandardExtension = 40 // multiple-originator-certificates
	ExtBlindCopyRecipients                       StandardExtension = 41 // blind-copy-recipients
	ExtDLExemptedRecipients                      StandardExtension = 42 // dl-exempted-recipients
	ExtBodyPartEncryptionToken                   StandardExtension = 43 // body-part-encryption-token
	ExtForwardedContentToken                     StandardExtension = 44 // forwarded-content-token
	ExtCertificateSelectors                      StandardExtension = 45 // certificate-selectors
	ExtCertificateSelectorsOverride              StandardExtension = 46 // certificate-selectors-override
)

var p1StandardExtensionNames = [...]string{
	1:  "recipient-reassignment-prohibited",
	2:  "originator-requested-alternate-recipient",
	3:  "dl-expansion-prohibited",
	4:  "conversion-with-loss-prohibited",
	5:  "latest-delivery-time",
	6:  "requested-delivery-method",
	7:  "physical-forwarding-prohibited",
	8:  "physical-forwarding-address-request",
	9:  "physical-delivery-modes",
	10: "registered-mail-type",
	11: "recipient-number-for-advice",
	12: "physical-rendition-attributes",
	13: "originator-return-address",
	14: "physical-delivery-report-request",
	15: "originator-certificate",
	16: "message-token",
	17: "content-confidentiality-algorithm-identifier",
	18: "content-integrity-check",
	19: "message-origin-authentication-check",
	20: "message-security-label",
	21: "proof-of-submission-request",
	22: "proof-of-delivery-request",
	23: "content-correlator",
	24: "probe-origin-authentication-check",
	25: "redirection-history",
	26: "dl-expansion-history",
	27: "physical-forwarding-address",
	28: "recipient-certificate",
	29: "proof-of-delivery",
	30: "originator-and-DL-expansion-history",
	31: "reporting-DL-name",
	32: "reporting-MTA-certificate",
	33: "report-origin-authentication-check",
	34: "originating-MTA-certificate",
	35: "proof-of-submission",
	36: "forwarding-request",
	37: "trace-information",
	38: "internal-trace-information",
	39: "reporting-MTA-name",
	40: "multiple-originator-certificates",
	41: "blind-copy-recipients",
	42: "dl-exempted-recipients",
	43: "body-part-encryption-token",
	44: "forwarded-content-token",
	45: "certificate-selectors",
	46: "certificate-selectors-override",
}

// String returns the ASN.1 name of the reason ("unable-to-transfer"), or
// its number for a value X.411 does not name.
func (r NonDeliveryReason) String() string {
	if r >= 0 && int(r) < len(p1NonDeliveryReasonNames) {
		return p1NonDeliveryReasonNames[r]
	}
	return strconv.Itoa(int(r))
}

// String returns the ASN.1 name of the diagnostic ("unrecognised-OR-name"),
// or its number for a value X.411 does not name.
func (d DiagnosticCode) String() string {
	if d >= 0 && int(d) < len(p1DiagnosticCodeNames) {
		return p1DiagnosticCodeNames[d]
	}
	return strconv.Itoa(int(d))
}

// String returns the ASN.1 name of the extension ("latest-delivery-time"),
// or its number for a value no standard names.
func (s StandardExtension) String() string {
	if s >= 0 && int(s) < len(p1StandardExtensionNames) && p1StandardExtensionNames[s] != "" {
		return p1StandardExtensionNames[s]
	}
	return strconv.Itoa(int(s))
}
