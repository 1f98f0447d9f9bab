/**
 * The operator's side of the etcd election: the one class that talks to etcd (behind {@link
 * dev.halo.operator.election.ElectionService}), the cache of what the election holds, and the event
 * source that turns election changes into reconciles; it may use jetcd, halo-common and {@code
 * model/}'s endpoint defaults, never the Kubernetes client.
 */
package dev.halo.operator.election;
