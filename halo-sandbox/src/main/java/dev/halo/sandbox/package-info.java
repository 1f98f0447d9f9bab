/**
 * Halo on one machine: the embedded Kubernetes API server, a local etcd cluster, a kubelet that
 * runs agents and demo workloads, a Service proxy and the failover scenario; it may use the
 * operator, the agent, halo-common and fabric8's mock server, and only halo-dist, halo-it and
 * halo-bench may use it.
 */
package dev.halo.sandbox;
