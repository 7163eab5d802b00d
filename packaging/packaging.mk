# packaging.mk: deb, rpm, package-check. Included by the top Makefile.
# Everything is built in copies under build-deb/ and build-rpm/.
PKG_VERSION	:= $(shell sed -n 's/^\#define GW_VERSION[[:space:]]*"\(.*\)"/\1/p' src/gateway.h)
DEB_TOP		= build-deb
DEB_SRC		= $(DEB_TOP)/uds-gateway-$(PKG_VERSION)
RPM_TOP		= $(CURDIR)/build-rpm

.PHONY: deb rpm package-check dist-tree

# A copy of the source tree without build output or VCS data.
PKG_EXCLUDES	= --exclude-vcs --exclude='./build' --exclude='./build-*' \
		  --exclude='*.o'

deb:
	rm -rf $(DEB_TOP) && mkdir -p $(DEB_SRC)
	tar -C . -cf - $(PKG_EXCLUDES) . | tar -C $(DEB_SRC) -xf -
	rm -rf $(DEB_SRC)/debian && cp -a packaging/debian $(DEB_SRC)/debian
	@sh scripts/deps.sh deb $(DEB_SRC)
	cd $(DEB_SRC) && dpkg-buildpackage -b -us -uc
	@ls -1 $(DEB_TOP)/*.deb

# Debian's rpm lacks the systemd macros: macros.debian-host adds them for
# this build host only. --nodeps: the build dependencies come from dpkg.
RPMBUILD	= rpmbuild --define '_topdir $(RPM_TOP)' \
		  --load packaging/rpm/macros.debian-host --nodeps \
		  --define 'uds_pkgdir $(CURDIR)/packaging/rpm'
rpm:
	rm -rf $(RPM_TOP) && mkdir -p $(RPM_TOP)/SOURCES $(RPM_TOP)/SPECS
	tar -C . -czf $(RPM_TOP)/SOURCES/uds-gateway-$(PKG_VERSION).tar.gz \
	    $(PKG_EXCLUDES) --transform 's,^\.,uds-gateway-$(PKG_VERSION),' .
	cp packaging/systemd/uds-gateway.sysusers $(RPM_TOP)/SOURCES/
	sed 's/@VERSION@/$(PKG_VERSION)/' packaging/rpm/uds-gateway.spec \
	    > $(RPM_TOP)/SPECS/uds-gateway.spec
	$(RPMBUILD) -ba $(RPM_TOP)/SPECS/uds-gateway.spec
	@find $(RPM_TOP)/RPMS $(RPM_TOP)/SRPMS -name '*.rpm'

# Build both, lint both, check the unit, install/run/purge the .deb.
package-check:
	@sh tests/check.d/50-packages.sh
	@sh tests/check.d/60-systemd.sh
