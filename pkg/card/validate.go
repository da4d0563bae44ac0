package card

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// MaxElements is the most components a card JSON 2.0 may hold.
const MaxElements = 200

// Error is a problem found in a card, located by a JSON path such as
// body.elements[3].tag.
type Error struct {
	Path string
	Msg  string
	// Code is the Feishu error code the problem predicts, 0 when unknown.
	Code int
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// SyntaxError locates a JSON syntax error by line and column.
type SyntaxError struct {
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

// Parse decodes card JSON into an object, reporting syntax errors with their
// line and column.
func Parse(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, syntaxError(data, err)
	}
	if off := int(dec.InputOffset()); len(bytes.Trim(data[off:], jsonSpace)) > 0 {
		line, col := position(data, off)
		return nil, &SyntaxError{Line: line, Col: col, Msg: "unexpected data after the card object"}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{Msg: "a card must be a JSON object"}
	}
	return obj, nil
}

func syntaxError(data []byte, err error) error {
	var se *json.SyntaxError
	off := len(data)
	if errors.As(err, &se) && se.Offset > 0 {
		off = int(se.Offset) - 1 // Offset counts the offending byte
	}
	msg := err.Error()
	if len(bytes.Trim(data, jsonSpace)) == 0 {
		return &Error{Msg: "empty card JSON"}
	}
	line, col := position(data, off)
	return &SyntaxError{Line: line, Col: col, Msg: "invalid JSON: " + msg}
}

func position(data []byte, off int) (line, col int) {
	if off > len(data) {
		off = len(data)
	}
	line = 1 + bytes.Count(data[:off], []byte("\n"))
	col = off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

// jsonSpace is the white space JSON allows between tokens.
const jsonSpace = " \t\r\n"
