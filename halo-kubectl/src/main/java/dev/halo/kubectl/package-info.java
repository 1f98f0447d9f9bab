/**
 * The {@code kubectl halo} plugin: reads a group's published status, conditions and Events from the
 * API server of the user's kubeconfig and writes the group's annotations and spec.paused; it may
 * use the JDK and halo-common only, so that it starts fast.
 */
package dev.halo.kubectl;
