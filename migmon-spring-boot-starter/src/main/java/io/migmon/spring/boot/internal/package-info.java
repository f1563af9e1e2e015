/** Implementation of the starter; not API. */
package io.migmon.spring.boot.internal;
