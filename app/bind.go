package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
)

// bindError explains why Gin's binding of a request failed, in the client's terms: the body's
// JSON (where it breaks, which field has the wrong type) or the rule a value broke. field names
// the request's one validated value for the client, e.g. `field "message"`; the validator knows
// it only by its Go name.
func bindError(err error, code, field string) error {
	var (
		syntaxErr  *json.SyntaxError
		typeErr    *json.UnmarshalTypeError
		tooLarge   *http.MaxBytesError
		validation validator.ValidationErrors
	)
	switch {
	case errors.As(err, &validation):
		rule := validation[0]
		got, _ := rule.Value().(string)
		switch rule.Tag() {
		case "required":
			return errorf(code, "%s is required", field)
		case "min":
			return errorf(code, "%s is %d characters long: the minimum is %s", field, utf8.RuneCountInString(got), rule.Param())
		case "max":
			return errorf(code, "%s is %d characters long: the maximum is %s", field, utf8.RuneCountInString(got), rule.Param())
		}
		return errorf(code, "%s breaks the rule %s=%s", field, rule.Tag(), rule.Param())
	case errors.Is(err, io.EOF):
		return errorf(codeInvalidJSON, "request body is empty: want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errorf(codeInvalidJSON, "request body ends before its JSON value is complete")
	case errors.As(err, &syntaxErr):
		return errorf(codeInvalidJSON, "malformed JSON at byte %d: %s", syntaxErr.Offset, syntaxErr.Error())
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return errorf(codeInvalidJSON, "request body must be a JSON object, got %s", typeErr.Value)
	case errors.As(err, &typeErr):
		return errorf(codeInvalidField, "field %q must be of type %s, got %s", typeErr.Field, typeErr.Type, typeErr.Value)
	case errors.As(err, &tooLarge):
		return errorf(codePayloadTooLarge, "request body is larger than the limit of %d bytes", tooLarge.Limit)
	}
	return errorf(codeBadRequest, "the request body could not be read")
}
