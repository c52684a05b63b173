/**
 * Connection admission: the built-in policies ({@code --max-connections}, {@code --max-connections-per-ip},
 * {@code --accept-rate-per-ip}, {@code --allow}, {@code --deny}) and the admission hooks deployed from the
 * extensions directory, judging each connection before a byte of it is read. The entry point is
 * {@link dev.hse4j.server.admission.AdmissionGate}; the outcome of one offer is an
 * {@link dev.hse4j.server.admission.Admission}, which the connection holds until it closes.
 */
package dev.hse4j.server.admission;
