/**
 * How Halo connects to etcd, shared by agent and operator: security settings, the jetcd client with
 * TLS, reloading key material and token auth, and what a failure means; jetcd and the JDK only.
 */
package dev.halo.etcd;
