// Package scan is the network scan engine: it expands targets, runs the
// DICOM, TLS and HTTP probes through the one dialer (netx) in a bounded
// worker pool with one host per worker, turns observations into
// catalogued findings and fingerprints, and defines the scan document
// (schema pacsguard.scan/v1) every output is rendered from.
package scan
