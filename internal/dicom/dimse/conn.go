package dimse

import (
	"context"
	"io"

	"github.com/pacsguard/pacsguard/internal/dicom/pdu"
	"github.com/pacsguard/pacsguard/internal/dicom/ul"
)

// Conn exchanges DIMSE messages over an established association. Like the
// association, it is for one goroutine at a time.
type Conn struct {
	assoc   *ul.Association
	r       *Reassembler
	pending []pdu.PDV // PDVs of the last P-DATA-TF not yet consumed
	msgID   uint16
}

// NewConn wraps an established association. The data of a message it
// returns is valid until the next ReadMessage or PollMessage: the buffer is
// reused, which saves an allocation and a copy per large message. Callers
// that keep data (an archive) copy it.
func NewConn(a *ul.Association, caps Caps) *Conn {
	r := NewReassembler(caps)
	r.Reuse = true
	return &Conn{assoc: a, r: r}
}

// SetSink streams data sets to the writers sink returns (see
// Reassembler.Sink); nil turns streaming off.
func (c *Conn) SetSink(sink func(ctxID uint8, cmd *Command) io.Writer) { c.r.Sink = sink }

// Association is the underlying association.
func (c *Conn) Association() *ul.Association { return c.assoc }

// NextMessageID returns a fresh message ID (1, 2, ...; never 0).
func (c *Conn) NextMessageID() uint16 {
	c.msgID++
	if c.msgID == 0 {
		c.msgID = 1
	}
	return c.msgID
}

// WriteMessage sends cmd (with CommandDataSetType set from data) and data
// on presentation context ctxID.
func (c *Conn) WriteMessage(ctx context.Context, ctxID uint8, cmd *Command, data []byte) error {
	if data != nil {
		cmd.CommandDataSetType = HasDataSet
	} else {
		cmd.CommandDataSetType = NoDataSet
	}
	b, err := EncodeCommand(cmd)
	if err != nil {
		return err
	}
	return c.assoc.SendMessage(ctx, ctxID, b, data)
}

// ReadMessage returns the next complete message. Errors are those of
// ul.Association.ReadPData; a reassembly error aborts the association.
func (c *Conn) ReadMessage(ctx context.Context) (*Message, error) {
	for {
		if m, err := c.drain(); m != nil || err != nil {
			return m, err
		}
		p, err := c.assoc.ReadPData(ctx)
		if err != nil {
			return nil, err
		}
		c.pending = p.Items
	}
}

// PollMessage returns a message if one is complete without waiting for
// more than the PDUs already received; nil, nil otherwise. If a message has
// begun it waits for the rest (bounded by ctx).
func (c *Conn) PollMessage(ctx context.Context) (*Message, error) {
	if m, err := c.drain(); m != nil || err != nil {
		return m, err
	}
	p, err := c.assoc.PollPData(ctx)
	if err != nil || p == nil {
		return nil, err
	}
	c.pending = p.Items
	if m, err := c.drain(); m != nil || err != nil {
		return m, err
	}
	if c.r.InProgress() {
		return c.ReadMessage(ctx)
	}
	return nil, nil
}

func (c *Conn) drain() (*Message, error) {
	for len(c.pending) > 0 {
		v := c.pending[0]
		c.pending = c.pending[1:]
		m, err := c.r.Add(v)
		if err != nil {
			c.assoc.Abort()
			return nil, err
		}
		if m != nil {
			return m, nil
		}
	}
	return nil, nil
}

// Release releases the association.
func (c *Conn) Release(ctx context.Context) error { return c.assoc.Release(ctx) }

// Abort aborts the association and closes the connection at once.
func (c *Conn) Abort() { c.assoc.Abort() }
