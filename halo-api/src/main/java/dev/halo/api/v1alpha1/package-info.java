/**
 * The HighAvailabilityGroup custom resource ({@code halo.dev/v1alpha1}): spec, status and the CRD
 * generated from them, plus tolerant readers for objects that do not fit the model; it may use the
 * fabric8 model and Jackson only, never a client call or operator code, so other tools can depend
 * on it.
 */
package dev.halo.api.v1alpha1;
