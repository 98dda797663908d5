// Package strictyaml decodes pacsguard's versioned data files and user input
// strictly: exactly one YAML document, and an unknown field is an error, so a
// typo in a catalogue or an answers file fails loudly instead of being dropped.
package strictyaml

import (
	"bytes"
	"errors"
	"io"

	"go.yaml.in/yaml/v3"
)

// ErrMultipleDocuments means the input held more than one YAML document.
var ErrMultipleDocuments = errors.New("more than one YAML document")

// Decode decodes exactly one YAML (or JSON) document from b into v,
// rejecting fields v does not have.
func Decode(b []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return err
	}
	if err := dec.Decode(new(any)); !errors.Is(err, io.EOF) {
		return ErrMultipleDocuments
	}
	return nil
}
