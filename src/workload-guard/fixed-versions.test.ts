import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixAdvice } from './fix-advice.ts';
import { isFixedBy, parseFixedVersions, smallestFix } from './fixed-versions.ts';
import { comparePackageVersions } from './image-reference.ts';

// Versions as Trivy's goldens print them (integration/testdata/*.json.golden, see __fixtures__/trivy-goldens/).
describe('package version order', () => {
  it('compares rpm and deb epochs first when both sides have one (centos-7, amazonlinux2-gp2-x86-vm)', () => {
    assert.equal(comparePackageVersions('1:1.0.2k-19.el7', '1:1.0.2k-16.el7'), 1);
    assert.equal(comparePackageVersions('99:9.11.4-26.P2.amzn2.13', '32:9.11.4-26.P2.amzn2.5.2'), 1);
    assert.equal(comparePackageVersions('2:9.11.4-26.P2.amzn2.13', '32:9.11.4-26.P2.amzn2.5.2'), -1);
    // An upstream or tag version has no epoch: the epoch of a distribution version says nothing against it.
    assert.equal(comparePackageVersions('1.25.5', '1:1.25.4-1~bookworm'), 1);
  });
  it('ignores a Go module v prefix (gomod: v0.35.0 fixed in 0.37.0)', () => {
    assert.equal(comparePackageVersions('v0.35.0', '0.37.0'), -1);
    assert.equal(comparePackageVersions('v0.37.0', '0.37.0'), 0);
    assert.equal(comparePackageVersions('v2.7.1+incompatible', 'v2.8.0'), -1);
  });
  it("puts Debian's ~ before the release it precedes", () => {
    assert.equal(comparePackageVersions('1.1.0k-1~deb9u1', '1.1.0k-1'), -1);
    assert.equal(comparePackageVersions('2.0~rc1', '2.0'), -1);
    assert.equal(comparePackageVersions('2.0.5-1+deb10u1', '2.0.5-1'), 1);
  });
});

describe('fixed versions', () => {
  it('reads a GHSA patched range with its upper bound (busybox-with-lockfile, ammonia)', () => {
    const ranges = '>= 3.1.0, >= 2.1.3, < 3.0.0';
    assert.deepEqual(parseFixedVersions(ranges), [
      { version: '3.1.0', lineOnly: false },
      { version: '2.1.3', lineOnly: false, below: '3.0.0' },
    ]);
    assert.equal(isFixedBy('1.9.0', ranges), false);
    assert.equal(isFixedBy('2.1.3', ranges), true);
    assert.equal(isFixedBy('2.5.0', ranges), true, 'anywhere in [2.1.3, 3.0.0)');
    assert.equal(isFixedBy('3.0.5', ranges), false, 'between the ranges');
    assert.equal(isFixedBy('3.1.0', ranges), true);
    assert.equal(smallestFix('1.9.0', ranges), '2.1.3');
    assert.equal(smallestFix('1.9.0', '>= 2.1.0'), '2.1.0');
  });
  it('takes the fix on the installed release line from a list across lines (cocoapods, fluentd-gems)', () => {
    assert.equal(smallestFix('2.41.0', '2.29.1, 2.39.1, 2.42.0'), '2.42.0');
    assert.equal(smallestFix('6.0.2.1', '6.0.3.1, 5.2.4.3'), '6.0.3.1');
    assert.equal(smallestFix('5.2.0', '6.0.3.1, 5.2.4.3'), '5.2.4.3');
    assert.equal(isFixedBy('5.2.4.3', '6.0.3.1, 5.2.4.3'), true);
    assert.equal(isFixedBy('6.0.2.1', '6.0.3.1, 5.2.4.3'), false);
  });
  it('never proposes a fixed version at or below the installed one', () => {
    assert.equal(smallestFix('2.43.0', '2.29.1, 2.39.1, 2.42.0'), undefined);
    assert.equal(smallestFix('1:1.0.2k-19.el7', '1:1.0.2k-19.el7'), undefined);
    assert.equal(smallestFix('v0.35.0', '0.37.0'), '0.37.0', 'the v prefix does not hide a newer fix');
    assert.equal(smallestFix('1:1.0.2k-16.el7', '1:1.0.2k-19.el7'), '1:1.0.2k-19.el7');
  });
  it('advice says so instead of naming a lower or an unreadable version', () => {
    const entry = {
      id: 'CVE-2022-3215',
      severity: 'MEDIUM' as const,
      package: '_NIODataStructures',
      installedVersion: '2.43.0',
      fixedVersion: '2.29.1, 2.39.1, 2.42.0',
      packageClass: 'language' as const,
    };
    assert.deepEqual(fixAdvice([entry], undefined, undefined), [
      '_NIODataStructures 2.43.0: fixed in 2.29.1, 2.39.1, 2.42.0, none above the installed version: check the package (CVE-2022-3215)',
    ]);
    assert.deepEqual(parseFixedVersions('< 2.0.0'), [], 'an upper bound alone names no fix');
    assert.match(
      fixAdvice([{ ...entry, fixedVersion: '< 2.0.0' }], undefined, undefined)[0],
      /not a version this reads/,
    );
  });
});
