;; The BAT scan's hot loops, in WebAssembly: the same work as gatherAllocated, markGathered, scanDense and
;; gatherRare in shared/check/batScan.ts (which stay as the fallback and the reference the tests compare with),
;; without the JIT's per-iteration re-checks of typed arrays (a map check and three field reloads after every store)
;; that made those loops cost two to three times their instructions. Compiled by scripts/wasm.mjs into
;; batScanKernelsWasm.ts (the bytes); loaded by scanKernel.ts.
;;
;; Memory is the caller's (imported): its first 256 bytes hold the table below; the caller lays out a piece of BAT
;; entries, an array of positions and the slot bitmap after it. Every address is an offset the caller computed from
;; sizes it allocated; a slot is only used as an address after it was compared with the bitmap's size, so no entry
;; value (hostile input) reaches outside the bitmap.
(module
  (import "scan" "memory" (memory 1))
  ;; What markGathered counted, read by the caller after each call.
  (global $regular (export "regular") (mut i32) (i32.const 0))
  (global $fragmented (export "fragmented") (mut i32) (i32.const 0))
  ;; At address 0: for each 4-bit mask of allocated lanes (bit i: lane i), those lanes' numbers in order, as four
  ;; i32 (16 bytes a mask), the rest 0. gatherAllocated adds the group's first position to one row and stores it.
  (data (i32.const 0) "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\01\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\01\00\00\00\00\00\00\00\00\00\00\00\02\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\02\00\00\00\00\00\00\00\00\00\00\00\01\00\00\00\02\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\01\00\00\00\02\00\00\00\00\00\00\00\03\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\03\00\00\00\00\00\00\00\00\00\00\00\01\00\00\00\03\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\01\00\00\00\03\00\00\00\00\00\00\00\02\00\00\00\03\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\02\00\00\00\03\00\00\00\00\00\00\00\01\00\00\00\02\00\00\00\03\00\00\00\00\00\00\00\00\00\00\00\01\00\00\00\02\00\00\00\03\00\00\00")

;; Writes the positions k < end of the nonzero entries of the piece at `chunk` to `at` (i32 each) and returns
  ;; their count. No branch on the entries: four at a time, their allocated lanes' positions are stored at once
  ;; (the table's row for their mask plus k; the row's unused lanes land past the count and are overwritten next),
  ;; and the count advances by the mask's population. `at` has room for 3 positions past `end`.
  (func (export "gatherAllocated") (param $chunk i32) (param $end i32) (param $at i32) (result i32)
    (local $k i32) (local $n i32) (local $p i32) (local $stop i32) (local $mask i32)
    (local.set $p (local.get $chunk))
    (local.set $stop (i32.and (local.get $end) (i32.const -4)))
    (block $tail
      (loop $four
        (br_if $tail (i32.ge_u (local.get $k) (local.get $stop)))
        (local.set $mask (i32x4.bitmask (i32x4.ne (v128.load (local.get $p)) (v128.const i32x4 0 0 0 0))))
        (v128.store (i32.add (local.get $at) (i32.shl (local.get $n) (i32.const 2)))
          (i32x4.add (v128.load (i32.shl (local.get $mask) (i32.const 4))) (i32x4.splat (local.get $k))))
        (local.set $n (i32.add (local.get $n) (i32.popcnt (local.get $mask))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $four)))
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (i32.store (i32.add (local.get $at) (i32.shl (local.get $n) (i32.const 2))) (local.get $k))
        (local.set $n (i32.add (local.get $n) (i32.ne (i32.load (local.get $p)) (i32.const 0))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $one)))
    (local.get $n))

  ;; markGathered: for the n positions at `at` of allocated entries of the piece at `chunk`, marks each regular
  ;; entry's slot in the bitmap at `seen` (`words` 32-bit words) and counts regular and fragmented entries. A regular
  ;; entry is dataStart <= e <= lastWhole with (e - origin) & mask == 0 (the BAT rules' predicates restated on the
  ;; same bounds; the caller re-tests what this returns with the rules' own). The positions of the other entries and
  ;; of duplicates (slot already marked) are moved to the front of `at`, in order; returns their number.
  (func (export "markGathered")
      (param $chunk i32) (param $at i32) (param $n i32) (param $seen i32) (param $words i32)
      (param $origin i32) (param $shift i32) (param $mask i32) (param $dataStart i32) (param $lastWhole i32)
      (param $step i32) (result i32)
    (local $j i32) (local $k i32) (local $e i32) (local $rare i32) (local $reg i32) (local $frag i32)
    (local $prevAt i32) (local $prev i32) (local $d i32) (local $slot i32) (local $wa i32) (local $word i32)
    (local $bit i32)
    (local.set $prevAt (i32.const -2))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $k (i32.load (i32.add (local.get $at) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (local.set $e (i32.load (i32.add (local.get $chunk) (i32.shl (local.get $k) (i32.const 2)))))
        ;; Fragmented: this entry directly follows an allocated one whose cluster it does not directly follow.
        ;; prev + step is compared as the JS loop compares numbers: a sum that wraps past 2^32 follows no entry.
        (local.set $d (i32.add (local.get $prev) (local.get $step)))
        (local.set $frag (i32.add (local.get $frag)
          (i32.and (i32.eq (i32.add (local.get $prevAt) (i32.const 1)) (local.get $k))
                   (i32.or (i32.ne (local.get $d) (local.get $e)) (i32.lt_u (local.get $d) (local.get $prev))))))
        (local.set $prevAt (local.get $k))
        (local.set $prev (local.get $e))
        (local.set $d (i32.sub (local.get $e) (local.get $origin)))
        (local.set $slot (i32.shr_u (local.get $d) (local.get $shift)))
        (if (i32.or
              (i32.or (i32.lt_u (local.get $e) (local.get $dataStart)) (i32.gt_u (local.get $e) (local.get $lastWhole)))
              (i32.or (i32.ne (i32.and (local.get $d) (local.get $mask)) (i32.const 0))
                      (i32.ge_u (i32.shr_u (local.get $slot) (i32.const 5)) (local.get $words))))
          (then
            (i32.store (i32.add (local.get $at) (i32.shl (local.get $rare) (i32.const 2))) (local.get $k))
            (local.set $rare (i32.add (local.get $rare) (i32.const 1)))
            (br $next)))
        (local.set $wa (i32.add (local.get $seen) (i32.shl (i32.shr_u (local.get $slot) (i32.const 5)) (i32.const 2))))
        (local.set $word (i32.load (local.get $wa)))
        (local.set $bit (i32.shl (i32.const 1) (local.get $slot)))
        (if (i32.and (local.get $word) (local.get $bit))
          (then
            (i32.store (i32.add (local.get $at) (i32.shl (local.get $rare) (i32.const 2))) (local.get $k))
            (local.set $rare (i32.add (local.get $rare) (i32.const 1))))
          (else
            (i32.store (local.get $wa) (i32.or (local.get $word) (local.get $bit)))
            (local.set $reg (i32.add (local.get $reg) (i32.const 1)))))
        (br $next)))
    (global.set $regular (local.get $reg))
    (global.set $fragmented (local.get $frag))
    (local.get $rare))

  ;; scanDense: scanDense of batScan.ts for a piece that is mostly allocated, over its first `end` entries: marks
  ;; each regular entry's slot, a whole bitmap word at once for 32 consecutive clusters that start a word (compared
  ;; four at a time), counts regular and fragmented entries, and writes the positions of the other entries
  ;; (irregular ones, duplicates) to `at`, in order; returns their number. The bounds are markGathered's.
  (func (export "scanDense")
      (param $chunk i32) (param $end i32) (param $at i32) (param $seen i32) (param $words i32)
      (param $origin i32) (param $shift i32) (param $mask i32) (param $dataStart i32) (param $lastWhole i32)
      (param $step i32) (result i32)
    (local $k i32) (local $e i32) (local $rare i32) (local $reg i32) (local $frag i32) (local $prev i32)
    (local $d i32) (local $slot i32) (local $wa i32) (local $word i32) (local $bit i32) (local $last i32)
    (local $p i32) (local $q i32) (local $want v128) (local $all v128)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $p (i32.add (local.get $chunk) (i32.shl (local.get $k) (i32.const 2))))
        (local.set $e (i32.load (local.get $p)))
        (if (i32.eqz (local.get $e))
          (then
            (local.set $prev (i32.const 0))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $next)))
        (local.set $d (i32.add (local.get $prev) (local.get $step)))
        (local.set $frag (i32.add (local.get $frag)
          (i32.and (i32.ne (local.get $prev) (i32.const 0))
                   (i32.or (i32.ne (local.get $d) (local.get $e)) (i32.lt_u (local.get $d) (local.get $prev))))))
        (local.set $prev (local.get $e))
        (local.set $d (i32.sub (local.get $e) (local.get $origin)))
        (local.set $slot (i32.shr_u (local.get $d) (local.get $shift)))
        (if (i32.or
              (i32.or (i32.lt_u (local.get $e) (local.get $dataStart)) (i32.gt_u (local.get $e) (local.get $lastWhole)))
              (i32.or (i32.ne (i32.and (local.get $d) (local.get $mask)) (i32.const 0))
                      (i32.ge_u (i32.shr_u (local.get $slot) (i32.const 5)) (local.get $words))))
          (then
            (i32.store (i32.add (local.get $at) (i32.shl (local.get $rare) (i32.const 2))) (local.get $k))
            (local.set $rare (i32.add (local.get $rare) (i32.const 1)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $next)))
        (local.set $wa (i32.add (local.get $seen) (i32.shl (i32.shr_u (local.get $slot) (i32.const 5)) (i32.const 2))))
        (local.set $word (i32.load (local.get $wa)))
        ;; 32 consecutive clusters from the first slot of an empty word: the word is filled at once. The last one
        ;; is compared first (and must not wrap past 2^32, nor end past the file), then all 32, four at a time.
        (if (i32.and
              (i32.and (i32.eqz (i32.and (local.get $slot) (i32.const 31))) (i32.eqz (local.get $word)))
              (i32.le_u (i32.add (local.get $k) (i32.const 32)) (local.get $end)))
          (then
            (local.set $last (i32.add (local.get $e) (i32.mul (local.get $step) (i32.const 31))))
            (if (i32.and
                  (i32.and (i32.eq (i32.load offset=124 (local.get $p)) (local.get $last)) (i32.ge_u (local.get $last) (local.get $e)))
                  (i32.le_u (local.get $last) (local.get $lastWhole)))
              (then
                (local.set $want (i32x4.add (i32x4.splat (local.get $e))
                  (i32x4.mul (v128.const i32x4 0 1 2 3) (i32x4.splat (local.get $step)))))
                (local.set $all (v128.const i32x4 -1 -1 -1 -1))
                (local.set $q (i32.const 0))
                (loop $four
                  (local.set $all (v128.and (local.get $all)
                    (i32x4.eq (v128.load (i32.add (local.get $p) (i32.shl (local.get $q) (i32.const 4)))) (local.get $want))))
                  (local.set $want (i32x4.add (local.get $want) (i32x4.splat (i32.shl (local.get $step) (i32.const 2)))))
                  (local.set $q (i32.add (local.get $q) (i32.const 1)))
                  (br_if $four (i32.lt_u (local.get $q) (i32.const 8))))
                (if (i32x4.all_true (local.get $all))
                  (then
                    (i32.store (local.get $wa) (i32.const -1))
                    (local.set $reg (i32.add (local.get $reg) (i32.const 32)))
                    (local.set $prev (local.get $last))
                    (local.set $k (i32.add (local.get $k) (i32.const 32)))
                    (br $next)))))))
        (local.set $bit (i32.shl (i32.const 1) (local.get $slot)))
        (if (i32.and (local.get $word) (local.get $bit))
          (then
            (i32.store (i32.add (local.get $at) (i32.shl (local.get $rare) (i32.const 2))) (local.get $k))
            (local.set $rare (i32.add (local.get $rare) (i32.const 1))))
          (else
            (i32.store (local.get $wa) (i32.or (local.get $word) (local.get $bit)))
            (local.set $reg (i32.add (local.get $reg) (i32.const 1)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next)))
    (global.set $regular (local.get $reg))
    (global.set $fragmented (local.get $frag))
    (local.get $rare))

  ;; gatherRare: the positions k < n of the piece's entries whose would-be slot ((e - origin) >> shift) hashes to a
  ;; nonzero byte of the 64 KiB filter at `filter`, into `hits`; returns their count. Four entries a turn with one
  ;; branch on their buckets together (rarely taken: few buckets are set).
  (func (export "gatherRare")
      (param $chunk i32) (param $n i32) (param $filter i32) (param $origin i32) (param $shift i32) (param $hits i32)
      (result i32)
    (local $k i32) (local $m i32) (local $p i32) (local $stop i32)
    (local $f0 i32) (local $f1 i32) (local $f2 i32) (local $f3 i32)
    (local.set $p (local.get $chunk))
    (local.set $stop (i32.and (local.get $n) (i32.const -4)))
    (block $tail
      (loop $four
        (br_if $tail (i32.ge_u (local.get $k) (local.get $stop)))
        (local.set $f0 (i32.load8_u (i32.add (local.get $filter)
          (i32.and (i32.shr_u (i32.sub (i32.load (local.get $p)) (local.get $origin)) (local.get $shift)) (i32.const 0xffff)))))
        (local.set $f1 (i32.load8_u (i32.add (local.get $filter)
          (i32.and (i32.shr_u (i32.sub (i32.load offset=4 (local.get $p)) (local.get $origin)) (local.get $shift)) (i32.const 0xffff)))))
        (local.set $f2 (i32.load8_u (i32.add (local.get $filter)
          (i32.and (i32.shr_u (i32.sub (i32.load offset=8 (local.get $p)) (local.get $origin)) (local.get $shift)) (i32.const 0xffff)))))
        (local.set $f3 (i32.load8_u (i32.add (local.get $filter)
          (i32.and (i32.shr_u (i32.sub (i32.load offset=12 (local.get $p)) (local.get $origin)) (local.get $shift)) (i32.const 0xffff)))))
        (if (i32.or (i32.or (local.get $f0) (local.get $f1)) (i32.or (local.get $f2) (local.get $f3)))
          (then
            (i32.store (i32.add (local.get $hits) (i32.shl (local.get $m) (i32.const 2))) (local.get $k))
            (local.set $m (i32.add (local.get $m) (i32.ne (local.get $f0) (i32.const 0))))
            (i32.store (i32.add (local.get $hits) (i32.shl (local.get $m) (i32.const 2))) (i32.add (local.get $k) (i32.const 1)))
            (local.set $m (i32.add (local.get $m) (i32.ne (local.get $f1) (i32.const 0))))
            (i32.store (i32.add (local.get $hits) (i32.shl (local.get $m) (i32.const 2))) (i32.add (local.get $k) (i32.const 2)))
            (local.set $m (i32.add (local.get $m) (i32.ne (local.get $f2) (i32.const 0))))
            (i32.store (i32.add (local.get $hits) (i32.shl (local.get $m) (i32.const 2))) (i32.add (local.get $k) (i32.const 3)))
            (local.set $m (i32.add (local.get $m) (i32.ne (local.get $f3) (i32.const 0))))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $four)))
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
        (i32.store (i32.add (local.get $hits) (i32.shl (local.get $m) (i32.const 2))) (local.get $k))
        (local.set $m (i32.add (local.get $m) (i32.ne (i32.load8_u (i32.add (local.get $filter)
          (i32.and (i32.shr_u (i32.sub (i32.load (local.get $p)) (local.get $origin)) (local.get $shift)) (i32.const 0xffff))))
          (i32.const 0))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $one)))
    (local.get $m))
)
