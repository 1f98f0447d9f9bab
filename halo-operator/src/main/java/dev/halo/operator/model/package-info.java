/**
 * Pure builders and decisions: the desired pods, Services and budget, role assignments, rollout
 * steps and which leases to release, computed from a group and the observed pods and election; it
 * may use halo-api, halo-common, the fabric8 model and {@code election/}'s value types, never a
 * client call.
 */
package dev.halo.operator.model;
