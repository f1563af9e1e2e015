/** Implementation of the dispatcher and sinks; not API, may change without notice. */
package io.migmon.alerting.internal;
