package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
)

// decodeJSON decodes a request body holding exactly one JSON object into v, a pointer to a struct.
// Unknown fields are rejected. Every failure the client caused comes back as an *apiError that
// names the problem: the field, the byte offset, or the size limit.
func decodeJSON(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, v)
	}
	// Exactly one value: anything but whitespace after it is an error.
	end := dec.InputOffset()
	_, err := dec.Token()
	var syntaxErr *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF):
		return nil
	case err == nil || errors.As(err, &syntaxErr) || errors.Is(err, io.ErrUnexpectedEOF):
		return errorf(codeInvalidJSON, "request body must hold a single JSON object, found more data after byte %d", end)
	}
	return readError(err)
}

// decodeError explains why json.Decoder.Decode into v failed.
func decodeError(err error, v any) error {
	var (
		syntaxErr  *json.SyntaxError
		typeErr    *json.UnmarshalTypeError
		invalidErr *json.InvalidUnmarshalError
	)
	switch {
	case errors.Is(err, io.EOF):
		return errorf(codeInvalidJSON, "request body is empty: want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errorf(codeInvalidJSON, "request body ends before its JSON value is complete")
	case errors.As(err, &syntaxErr):
		return errorf(codeInvalidJSON, "malformed JSON at byte %d: %s", syntaxErr.Offset, syntaxErr.Error())
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return errorf(codeInvalidJSON, "request body must be a JSON object, got %s", typeErr.Value)
	case errors.As(err, &typeErr):
		return errorf(codeInvalidField, "field %q must be %s, got %s", typeErr.Field, jsonTypeName(typeErr.Type), typeErr.Value)
	case errors.As(err, &invalidErr):
		return err // a programming error: v is not a non-nil pointer
	}
	// encoding/json reports an unknown field only as text: json: unknown field "name".
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return errorf(codeUnknownField, "unknown field %s: allowed fields are %s", field, strings.Join(jsonFields(v), ", "))
	}
	return readError(err)
}

// readError explains a failure to read the request body itself.
func readError(err error) *apiError {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errorf(codePayloadTooLarge, "request body is larger than the limit of %d bytes", tooLarge.Limit)
	}
	return errorf(codeBadRequest, "the request body could not be read")
}

// jsonTypeName names the JSON type that decodes into t.
func jsonTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// jsonFields lists the JSON names of the fields of the struct v points to.
func jsonFields(v any) []string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}
