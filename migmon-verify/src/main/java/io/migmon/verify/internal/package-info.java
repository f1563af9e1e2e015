/** Implementation of migmon-verify; not API, may change without notice. */
package io.migmon.verify.internal;
