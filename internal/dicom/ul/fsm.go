// Package ul is the DICOM upper layer of PS3.8: the association state
// machine (§9.2, Table 9-10) and an association over a net.Conn that
// negotiates, moves P-DATA-TF PDUs with caps and deadlines, releases
// (collisions included) and aborts.
//
// The state machine is a table named after the standard. Association
// drives it: every PDU received and every local primitive is an event
// fired into the machine, and the action the table returns is what
// Association does. A transition the table does not define is a
// programming error or a peer's protocol error, never a panic.
package ul

import (
	"errors"
	"fmt"
)

// State is one of the states Sta1–Sta13 of PS3.8 Table 9-10.
type State uint8

// States of the DICOM upper layer (PS3.8 §9.2.1, Table 9-10).
const (
	Sta1  State = 1  // Idle
	Sta2  State = 2  // Transport connection open (awaiting A-ASSOCIATE-RQ PDU)
	Sta3  State = 3  // Awaiting local A-ASSOCIATE response primitive
	Sta4  State = 4  // Awaiting transport connection opening to complete
	Sta5  State = 5  // Awaiting A-ASSOCIATE-AC or A-ASSOCIATE-RJ PDU
	Sta6  State = 6  // Association established and ready for data transfer
	Sta7  State = 7  // Awaiting A-RELEASE-RP PDU
	Sta8  State = 8  // Awaiting local A-RELEASE response primitive
	Sta9  State = 9  // Release collision requestor side; awaiting A-RELEASE response
	Sta10 State = 10 // Release collision acceptor side; awaiting A-RELEASE-RP PDU
	Sta11 State = 11 // Release collision requestor side; awaiting A-RELEASE-RP PDU
	Sta12 State = 12 // Release collision acceptor side; awaiting A-RELEASE response primitive
	Sta13 State = 13 // Awaiting transport connection close indication
)

func (s State) String() string { return fmt.Sprintf("Sta%d", uint8(s)) }

// Event is one of the events Evt1–Evt19 of PS3.8 Table 9-10.
type Event uint8

// Events of the DICOM upper layer (PS3.8 Table 9-10).
const (
	Evt1  Event = 1  // A-ASSOCIATE request (local user)
	Evt2  Event = 2  // Transport connect confirm (local transport service)
	Evt3  Event = 3  // A-ASSOCIATE-AC PDU received
	Evt4  Event = 4  // A-ASSOCIATE-RJ PDU received
	Evt5  Event = 5  // Transport connection indication (local transport service)
	Evt6  Event = 6  // A-ASSOCIATE-RQ PDU received
	Evt7  Event = 7  // A-ASSOCIATE response primitive (accept)
	Evt8  Event = 8  // A-ASSOCIATE response primitive (reject)
	Evt9  Event = 9  // P-DATA request primitive
	Evt10 Event = 10 // P-DATA-TF PDU received
	Evt11 Event = 11 // A-RELEASE request primitive
	Evt12 Event = 12 // A-RELEASE-RQ PDU received
	Evt13 Event = 13 // A-RELEASE-RP PDU received
	Evt14 Event = 14 // A-RELEASE response primitive
	Evt15 Event = 15 // A-ABORT request primitive
	Evt16 Event = 16 // A-ABORT PDU received
	Evt17 Event = 17 // Transport connection closed indication
	Evt18 Event = 18 // ARTIM timer expired
	Evt19 Event = 19 // Unrecognized or invalid PDU received
)

func (e Event) String() string { return fmt.Sprintf("Evt%d", uint8(e)) }

// Action is one of the actions of PS3.8 Tables 9-6 to 9-9.
type Action uint8

// Actions (PS3.8 §9.2.2). The comment says what the action does.
const (
	NoAction Action = iota
	AE1             // issue TRANSPORT CONNECT request → Sta4
	AE2             // send A-ASSOCIATE-RQ PDU → Sta5
	AE3             // issue A-ASSOCIATE confirmation (accept) → Sta6
	AE4             // issue A-ASSOCIATE confirmation (reject), close transport → Sta1
	AE5             // issue transport connection response, start ARTIM → Sta2
	AE6             // stop ARTIM; issue A-ASSOCIATE indication → Sta3 (provider rejection: fire Evt8 next)
	AE7             // send A-ASSOCIATE-AC PDU → Sta6
	AE8             // send A-ASSOCIATE-RJ PDU, start ARTIM → Sta13
	DT1             // send P-DATA-TF PDU → Sta6
	DT2             // issue P-DATA indication → Sta6
	AR1             // send A-RELEASE-RQ PDU → Sta7
	AR2             // issue A-RELEASE indication → Sta8
	AR3             // issue A-RELEASE confirmation, close transport → Sta1
	AR4             // send A-RELEASE-RP PDU, start ARTIM → Sta13
	AR5             // stop ARTIM → Sta1
	AR6             // issue P-DATA indication → Sta7
	AR7             // send P-DATA-TF PDU → Sta8
	AR8             // issue A-RELEASE indication (collision) → Sta9 requestor, Sta10 acceptor
	AR9             // send A-RELEASE-RP PDU → Sta11
	AR10            // issue A-RELEASE confirmation → Sta12
	AA1             // send A-ABORT PDU (service-user), (re)start ARTIM → Sta13
	AA2             // stop ARTIM, close transport → Sta1
	AA3             // issue A-ABORT / A-P-ABORT indication, close transport → Sta1
	AA4             // issue A-P-ABORT indication → Sta1
	AA5             // stop ARTIM → Sta1
	AA6             // ignore PDU → Sta13
	AA7             // send A-ABORT PDU → Sta13
	AA8             // send A-ABORT PDU (service-provider), issue A-P-ABORT, start ARTIM → Sta13
)

var actionNames = [...]string{"none", "AE-1", "AE-2", "AE-3", "AE-4", "AE-5", "AE-6", "AE-7", "AE-8",
	"DT-1", "DT-2", "AR-1", "AR-2", "AR-3", "AR-4", "AR-5", "AR-6", "AR-7", "AR-8", "AR-9", "AR-10",
	"AA-1", "AA-2", "AA-3", "AA-4", "AA-5", "AA-6", "AA-7", "AA-8"}

func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("action-%d", uint8(a))
}

// next gives the state an action leads to. AR-8 depends on the side.
func (a Action) next(requestor bool) State {
	switch a {
	case AE1:
		return Sta4
	case AE2:
		return Sta5
	case AE3, AE7, DT1, DT2:
		return Sta6
	case AE4, AR3, AR5, AA2, AA3, AA4, AA5:
		return Sta1
	case AE5:
		return Sta2
	case AE6:
		return Sta3
	case AE8, AR4, AA1, AA6, AA7, AA8:
		return Sta13
	case AR1, AR6:
		return Sta7
	case AR2, AR7:
		return Sta8
	case AR8:
		if requestor {
			return Sta9
		}
		return Sta10
	case AR9:
		return Sta11
	case AR10:
		return Sta12
	}
	return 0
}

// row builds one event's row of the table: the action for each state
// Sta1..Sta13 (index 0 = Sta1); NoAction where the table has no entry.
type row [13]Action

// table is PS3.8 Table 9-10, indexed by event then state (index 0 unused).
var table = [...]row{
	//          Sta1 Sta2 Sta3 Sta4 Sta5 Sta6 Sta7 Sta8 Sta9 Sta10 Sta11 Sta12 Sta13
	Evt1:  {AE1},
	Evt2:  {0, 0, 0, AE2},
	Evt3:  {0, AA1, AA8, 0, AE3, AA8, AA8, AA8, AA8, AA8, AA8, AA8, AA6},
	Evt4:  {0, AA1, AA8, 0, AE4, AA8, AA8, AA8, AA8, AA8, AA8, AA8, AA6},
	Evt5:  {AE5},
	Evt6:  {0, AE6, AA8, 0, AA8, AA8, AA8, AA8, AA8, AA8, AA8, AA8, AA7},
	Evt7:  {0, 0, AE7},
	Evt8:  {0, 0, AE8},
	Evt9:  {0, 0, 0, 0, 0, DT1, 0, AR7},
	Evt10: {0, AA1, AA8, 0, AA8, DT2, AR6, AA8, AA8, AA8, AA8, AA8, AA6},
	Evt11: {0, 0, 0, 0, 0, AR1},
	Evt12: {0, AA1, AA8, 0, AA8, AR2, AR8, AA8, AA8, AA8, AA8, AA8, AA6},
	Evt13: {0, AA1, AA8, 0, AA8, AA8, AR3, AA8, AA8, AR10, AR3, AA8, AA6},
	Evt14: {0, 0, 0, 0, 0, 0, 0, AR4, AR9, 0, 0, AR4},
	Evt15: {0, 0, AA1, AA2, AA1, AA1, AA1, AA1, AA1, AA1, AA1, AA1},
	Evt16: {0, AA2, AA3, 0, AA3, AA3, AA3, AA3, AA3, AA3, AA3, AA3, AA2},
	Evt17: {0, AA5, AA4, AA4, AA4, AA4, AA4, AA4, AA4, AA4, AA4, AA4, AR5},
	Evt18: {0, AA2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, AA2},
	Evt19: {0, AA1, AA8, 0, AA8, AA8, AA8, AA8, AA8, AA8, AA8, AA8, AA7},
}

// Lookup returns the action PS3.8 Table 9-10 gives for event e in state s,
// and false when the table has no entry.
func Lookup(s State, e Event) (Action, bool) {
	if e < Evt1 || e > Evt19 || s < Sta1 || s > Sta13 {
		return NoAction, false
	}
	a := table[e][s-1]
	return a, a != NoAction
}

// ErrInvalidTransition is returned when an event has no entry in the
// table for the current state.
var ErrInvalidTransition = errors.New("no transition in the PS3.8 state table")

// Machine is the state of one association. The zero value is not ready:
// use NewMachine.
type Machine struct {
	state     State
	requestor bool
}

// NewMachine returns a machine in Sta1 for the association requestor or acceptor.
func NewMachine(requestor bool) Machine { return Machine{state: Sta1, requestor: requestor} }

// State is the current state.
func (m *Machine) State() State { return m.state }

// Fire applies event e and returns the action to perform. The state moves
// to the action's next state. An undefined transition leaves the state
// unchanged and returns ErrInvalidTransition.
func (m *Machine) Fire(e Event) (Action, error) {
	a, ok := Lookup(m.state, e)
	if !ok {
		return NoAction, fmt.Errorf("%w: %s in %s", ErrInvalidTransition, e, m.state)
	}
	m.state = a.next(m.requestor)
	return a, nil
}
