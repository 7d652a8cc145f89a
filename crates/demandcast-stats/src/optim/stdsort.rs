//! libstdc++'s `std::sort` of indices by `f[i] < f[j]`: introsort with
//! median-of-three partitions above 16 elements, then insertion sort. Equal
//! values keep the order this produces, not their original order.

const THRESHOLD: usize = 16;

fn less(f: &[f64], a: usize, b: usize) -> bool {
    f[a] < f[b]
}

/// Sorts the indices `v` by their values in `f` as `std::sort` does.
pub(super) fn sort(v: &mut [usize], f: &[f64]) {
    let n = v.len();
    if n < 2 {
        return;
    }
    let depth = 2 * (usize::BITS - 1 - n.leading_zeros()) as usize;
    introsort_loop(v, 0, n, depth, f);
    final_insertion_sort(v, 0, n, f);
}

fn introsort_loop(v: &mut [usize], first: usize, mut last: usize, mut depth: usize, f: &[f64]) {
    while last - first > THRESHOLD {
        if depth == 0 {
            heap_sort(&mut v[first..last], f);
            return;
        }
        depth -= 1;
        let cut = partition_pivot(v, first, last, f);
        introsort_loop(v, cut, last, depth, f);
        last = cut;
    }
}

fn partition_pivot(v: &mut [usize], first: usize, last: usize, f: &[f64]) -> usize {
    let mid = first + (last - first) / 2;
    move_median_to_first(v, first, first + 1, mid, last - 1, f);
    let (mut lo, mut hi) = (first + 1, last);
    loop {
        while less(f, v[lo], v[first]) {
            lo += 1;
        }
        hi -= 1;
        while less(f, v[first], v[hi]) {
            hi -= 1;
        }
        if lo >= hi {
            return lo;
        }
        v.swap(lo, hi);
        lo += 1;
    }
}

fn move_median_to_first(v: &mut [usize], result: usize, a: usize, b: usize, c: usize, f: &[f64]) {
    let pick = if less(f, v[a], v[b]) {
        if less(f, v[b], v[c]) {
            b
        } else if less(f, v[a], v[c]) {
            c
        } else {
            a
        }
    } else if less(f, v[a], v[c]) {
        a
    } else if less(f, v[b], v[c]) {
        c
    } else {
        b
    };
    v.swap(result, pick);
}

fn final_insertion_sort(v: &mut [usize], first: usize, last: usize, f: &[f64]) {
    if last - first > THRESHOLD {
        insertion_sort(v, first, first + THRESHOLD, f);
        for i in first + THRESHOLD..last {
            unguarded_linear_insert(v, i, f);
        }
    } else {
        insertion_sort(v, first, last, f);
    }
}

fn insertion_sort(v: &mut [usize], first: usize, last: usize, f: &[f64]) {
    for i in first + 1..last {
        if less(f, v[i], v[first]) {
            let val = v[i];
            v.copy_within(first..i, first + 1);
            v[first] = val;
        } else {
            unguarded_linear_insert(v, i, f);
        }
    }
}

fn unguarded_linear_insert(v: &mut [usize], mut last: usize, f: &[f64]) {
    let val = v[last];
    while less(f, val, v[last - 1]) {
        v[last] = v[last - 1];
        last -= 1;
    }
    v[last] = val;
}

/// `std::__partial_sort(first, last, last)`: make_heap then sort_heap.
fn heap_sort(v: &mut [usize], f: &[f64]) {
    let len = v.len();
    if len >= 2 {
        let mut parent = (len - 2) / 2;
        loop {
            let value = v[parent];
            adjust_heap(v, parent, len, value, f);
            if parent == 0 {
                break;
            }
            parent -= 1;
        }
    }
    let mut last = len;
    while last > 1 {
        last -= 1;
        let value = v[last];
        v[last] = v[0];
        adjust_heap(v, 0, last, value, f);
    }
}

fn adjust_heap(v: &mut [usize], mut hole: usize, len: usize, value: usize, f: &[f64]) {
    let top = hole;
    let mut child = hole;
    while child < (len - 1) / 2 {
        child = 2 * (child + 1);
        if less(f, v[child], v[child - 1]) {
            child -= 1;
        }
        v[hole] = v[child];
        hole = child;
    }
    if len.is_multiple_of(2) && child == (len - 2) / 2 {
        child = 2 * (child + 1);
        v[hole] = v[child - 1];
        hole = child - 1;
    }
    let mut parent = hole.wrapping_sub(1) / 2;
    while hole > top && less(f, v[parent], value) {
        v[hole] = v[parent];
        hole = parent;
        parent = hole.wrapping_sub(1) / 2;
    }
    v[hole] = value;
}
