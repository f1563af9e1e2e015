/** Implementation details of migmon core; not API, may change without notice. */
package io.migmon.core.internal;
