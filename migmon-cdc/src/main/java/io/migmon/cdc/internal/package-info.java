/** Implementation of migmon-cdc: envelope parsing, lag tracking. Not API; may change without notice. */
package io.migmon.cdc.internal;
