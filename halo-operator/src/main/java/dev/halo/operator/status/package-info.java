/**
 * Builds a group's status and conditions from what a reconcile observed; pure, it may use halo-api,
 * the fabric8 model, {@code model/} and {@code election/}'s value types, never a client call.
 */
package dev.halo.operator.status;
