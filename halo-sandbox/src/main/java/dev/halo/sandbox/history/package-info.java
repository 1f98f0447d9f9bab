/**
 * Role histories: reading the role transitions each agent appends to its history file, and proving
 * from them that no two masters of a group overlapped and that terms only grew; uses Jackson and
 * the JDK only, so the sandbox's kubelet, the benches and the chaos campaign share one checker.
 */
package dev.halo.sandbox.history;
