/**
 * Validates a group's spec and returns the problems as messages (no exceptions); pure, it may use
 * halo-api, halo-common, the fabric8 model and {@code model/}'s defaults, never a client call.
 */
package dev.halo.operator.validation;
