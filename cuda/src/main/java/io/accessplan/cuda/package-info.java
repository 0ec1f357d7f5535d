/** accessplan cuda. */
package io.accessplan.cuda;
