/**
 * The operator process and its reconciler (observe, validate, reconcile, record status), with the
 * classes that apply its decisions to the Kubernetes API (objects, events) and to etcd
 * (hand-overs); it may use every subpackage, halo-api, halo-common, the Java Operator SDK and the
 * fabric8 client.
 */
package dev.halo.operator;
