//! Grouping questions into candidate topics. Pure: profiles in, clusters out.
//!
//! A question becomes a sparse unit vector over the engine's terms (stems, compound parts,
//! glossary concepts), weighted by how telling each term is ([`crate::answer::Engine::profile`]),
//! so inflections, compounds, typos and English meet the Swedish words. Grouping is
//! centroid-based and near-linear: a leader pass (each question joins the most similar
//! topic so far, found through an inverted index, or starts a new one), refinement passes
//! that move questions to their best centroid, and a merge pass that joins topics whose
//! centroids are close. The same [`Model`] assigns one new question in microseconds.

use rustc_hash::FxHashMap as HashMap;

use crate::answer::ProfileWord;

/// How readily questions join: similarities are cosines between unit vectors (0–1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// A question joins a topic when its cosine with the topic's centroid reaches this.
    pub join: f32,
    /// Two topics become one when their centroids' cosine reaches this.
    pub merge: f32,
    /// Refinement passes after the first.
    pub passes: usize,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            // Tuned on the dev file's plateau (ARI within 0.02 for join 0.16–0.25 and
            // merge 0.12–0.2); the middle, so a held-out file is not at an edge.
            join: 0.2,
            merge: 0.15,
            passes: 2,
        }
    }
}

/// A question as a sparse unit vector: (term id, weight), sorted by term id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vector(pub Vec<(u32, f32)>);

impl Vector {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Term keys to ids, shared by every vector a [`Model`] compares.
#[derive(Debug, Default, Clone)]
pub struct Vocabulary {
    ids: HashMap<String, u32>,
    /// For each id: the surface word seen most often with it, for labels.
    words: Vec<HashMap<String, u32>>,
}

impl Vocabulary {
    fn id(&mut self, key: &str) -> u32 {
        if let Some(id) = self.ids.get(key) {
            return *id;
        }
        let id = self.ids.len() as u32;
        self.ids.insert(key.to_owned(), id);
        self.words.push(HashMap::default());
        id
    }

    /// Turns a question's profile into a unit vector. A word counts once: its terms share
    /// the word's weight, so a word with a stem, two compound parts and a concept does not
    /// outweigh a plain one.
    pub fn vector(&mut self, profile: &[ProfileWord]) -> Vector {
        let mut acc: HashMap<u32, f32> = HashMap::default();
        for w in profile {
            let top = w.terms.iter().map(|(_, v)| *v).fold(0.0f32, f32::max);
            let norm = w.terms.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
            if top <= 0.0 || norm <= 0.0 {
                continue;
            }
            for (key, v) in &w.terms {
                let id = self.id(key);
                if let Some(seen) = self.words.get_mut(id as usize) {
                    *seen.entry(w.text.clone()).or_insert(0) += 1;
                }
                let x = v * top / norm;
                let e = acc.entry(id).or_insert(0.0);
                *e = e.max(x);
            }
        }
        unit(acc.into_iter().collect())
    }

    /// The term key behind an id.
    pub fn key(&self, id: u32) -> &str {
        self.ids
            .iter()
            .find(|(_, v)| **v == id)
            .map_or("?", |(k, _)| k.as_str())
    }

    /// The surface word most often seen for a term.
    pub fn word(&self, id: u32) -> Option<&str> {
        self.words
            .get(id as usize)?
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(w, _)| w.as_str())
    }
}

fn unit(mut v: Vec<(u32, f32)>) -> Vector {
    v.retain(|(_, x)| *x > 0.0);
    let norm = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, x) in &mut v {
            *x /= norm;
        }
    }
    v.sort_unstable_by_key(|(id, _)| *id);
    Vector(v)
}

/// A topic under construction: the sum of its members' vectors.
#[derive(Debug, Clone, Default)]
struct Centroid {
    sum: HashMap<u32, f32>,
    norm2: f32,
    size: usize,
}

impl Centroid {
    fn add(&mut self, v: &Vector, sign: f32) {
        for (id, x) in &v.0 {
            let e = self.sum.entry(*id).or_insert(0.0);
            self.norm2 -= *e * *e;
            *e += sign * x;
            if e.abs() < 1e-6 {
                *e = 0.0;
            }
            self.norm2 += *e * *e;
        }
        self.norm2 = self.norm2.max(0.0);
        if sign > 0.0 {
            self.size += 1;
        } else {
            self.size = self.size.saturating_sub(1);
        }
    }

    fn cosine(&self, v: &Vector) -> f32 {
        if self.norm2 <= 0.0 {
            return 0.0;
        }
        let s: f32 =
            v.0.iter()
                .filter_map(|(id, x)| self.sum.get(id).map(|c| c * x))
                .sum();
        s / self.norm2.sqrt()
    }

    fn unit(&self) -> Vector {
        unit(self.sum.iter().map(|(k, v)| (*k, *v)).collect())
    }
}

/// Topics as centroids with an inverted index: assigns questions one at a time.
#[derive(Debug, Default, Clone)]
pub struct Model {
    params: Params,
    centroids: Vec<Centroid>,
    /// Term → topics whose centroid has it. Only a topic's weightier terms are indexed: a
    /// question that shares only a minor word with a topic would not reach `join` anyway.
    index: HashMap<u32, Vec<u32>>,
    indexed: Vec<Vec<u32>>,
}

impl Model {
    pub fn new(params: Params) -> Self {
        Self {
            params,
            ..Self::default()
        }
    }

    pub fn len(&self) -> usize {
        self.centroids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.centroids.is_empty()
    }

    /// Adds an empty topic and returns its number.
    pub fn open(&mut self) -> usize {
        self.centroids.push(Centroid::default());
        self.indexed.push(Vec::new());
        self.centroids.len() - 1
    }

    /// Puts `v` into topic `t`.
    pub fn add(&mut self, t: usize, v: &Vector) {
        self.centroids[t].add(v, 1.0);
        self.reindex(t);
    }

    fn remove(&mut self, t: usize, v: &Vector) {
        self.centroids[t].add(v, -1.0);
        self.reindex(t);
    }

    fn reindex(&mut self, t: usize) {
        let c = &self.centroids[t];
        let top = c.sum.values().copied().fold(0.0f32, f32::max);
        // Terms under a fifth of the centroid's heaviest cannot carry a question to `join`.
        let mut keep: Vec<u32> = c
            .sum
            .iter()
            .filter(|(_, v)| **v > 0.0 && **v >= top * 0.2)
            .map(|(k, _)| *k)
            .collect();
        keep.sort_unstable();
        let old = std::mem::take(&mut self.indexed[t]);
        for id in old.iter().filter(|id| keep.binary_search(id).is_err()) {
            if let Some(list) = self.index.get_mut(id) {
                list.retain(|x| *x as usize != t);
            }
        }
        for id in keep.iter().filter(|id| old.binary_search(id).is_err()) {
            self.index.entry(*id).or_default().push(t as u32);
        }
        self.indexed[t] = keep;
    }

    /// The most similar topic and its cosine, if any topic shares a term with `v`.
    pub fn nearest(&self, v: &Vector) -> Option<(usize, f32)> {
        let mut best: Option<(usize, f32)> = None;
        let mut seen: Vec<u32> = Vec::new();
        for (id, _) in &v.0 {
            for t in self.index.get(id).into_iter().flatten() {
                if seen.contains(t) {
                    continue;
                }
                seen.push(*t);
                let s = self.centroids[*t as usize].cosine(v);
                if best.is_none_or(|(bt, bs)| s > bs || (s == bs && (*t as usize) < bt)) {
                    best = Some((*t as usize, s));
                }
            }
        }
        best
    }

    /// The topic `v` belongs to, if one is close enough.
    pub fn assign(&self, v: &Vector) -> Option<(usize, f32)> {
        self.nearest(v).filter(|(_, s)| *s >= self.params.join)
    }

    /// The cosine of `v` with topic `t`'s centroid.
    pub fn similarity(&self, t: usize, v: &Vector) -> f32 {
        self.centroids[t].cosine(v)
    }

    /// The centroid of topic `t` as a unit vector.
    pub fn centroid(&self, t: usize) -> Vector {
        self.centroids[t].unit()
    }

    pub fn size(&self, t: usize) -> usize {
        self.centroids[t].size
    }
}

/// The result of grouping: for each question its topic, and each topic's members.
#[derive(Debug, Clone, Default)]
pub struct Grouping {
    pub assignment: Vec<usize>,
    pub topics: Vec<Vec<usize>>,
    pub model: Model,
}

/// Groups `vectors` from scratch. Questions without any term each stay alone.
pub fn group(vectors: &[Vector], params: Params) -> Grouping {
    let mut model = Model::new(params);
    let mut assignment = vec![usize::MAX; vectors.len()];
    // Leader pass, longest questions first: they carry the most terms and make better seeds
    // than a one-word question. Ties keep input order, so the result is deterministic.
    let mut order: Vec<usize> = (0..vectors.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(vectors[*i].0.len()));
    for &i in &order {
        let v = &vectors[i];
        let t = match model.assign(v) {
            Some((t, _)) if !v.is_empty() => t,
            _ => model.open(),
        };
        model.add(t, v);
        assignment[i] = t;
    }
    // Refinement: move each question to its best centroid, as in k-means.
    for _ in 0..params.passes {
        let mut moved = 0;
        for &i in &order {
            let v = &vectors[i];
            if v.is_empty() {
                continue;
            }
            let cur = assignment[i];
            model.remove(cur, v);
            let here = model.centroids[cur].cosine(v);
            let target = match model.nearest(v) {
                Some((t, s)) if t != cur && s > here && s >= params.join => t,
                _ => cur,
            };
            model.add(target, v);
            if target != cur {
                assignment[i] = target;
                moved += 1;
            }
        }
        if moved == 0 {
            break;
        }
    }
    // Merge topics whose centroids are close, biggest first, so small topics fold into big
    // ones rather than the other way round.
    let n = model.len();
    let mut by_size: Vec<usize> = (0..n).filter(|t| model.size(*t) > 0).collect();
    by_size.sort_by_key(|t| (std::cmp::Reverse(model.size(*t)), *t));
    let units: Vec<Vector> = (0..n).map(|t| model.centroid(t)).collect();
    let mut merged = Model::new(Params {
        join: params.merge,
        ..params
    });
    let mut slot: Vec<usize> = vec![usize::MAX; n];
    for &t in &by_size {
        let target = match merged.assign(&units[t]) {
            Some((m, _)) => m,
            None => merged.open(),
        };
        // Weight the centroid by size, so a big topic keeps its direction.
        for _ in 0..model.size(t).min(8) {
            merged.add(target, &units[t]);
        }
        slot[t] = target;
    }
    // Renumber densely in order of first appearance, and rebuild the model from members.
    let mut renumber: HashMap<usize, usize> = HashMap::default();
    let mut topics: Vec<Vec<usize>> = Vec::new();
    let mut final_model = Model::new(params);
    for (i, v) in vectors.iter().enumerate() {
        let m = slot[assignment[i]];
        let t = *renumber.entry(m).or_insert_with(|| {
            topics.push(Vec::new());
            final_model.open()
        });
        topics[t].push(i);
        final_model.add(t, v);
        assignment[i] = t;
    }
    Grouping {
        assignment,
        topics,
        model: final_model,
    }
}

/// Adjusted Rand index between two labelings of the same items (1 = identical, ~0 = chance).
pub fn adjusted_rand_index(a: &[usize], b: &[usize]) -> f64 {
    let n = a.len().min(b.len());
    if n < 2 {
        return 1.0;
    }
    let mut table: HashMap<(usize, usize), u64> = HashMap::default();
    let mut ra: HashMap<usize, u64> = HashMap::default();
    let mut rb: HashMap<usize, u64> = HashMap::default();
    for i in 0..n {
        *table.entry((a[i], b[i])).or_insert(0) += 1;
        *ra.entry(a[i]).or_insert(0) += 1;
        *rb.entry(b[i]).or_insert(0) += 1;
    }
    let c2 = |x: u64| (x * x.saturating_sub(1)) as f64 / 2.0;
    let index: f64 = table.values().map(|x| c2(*x)).sum();
    let sa: f64 = ra.values().map(|x| c2(*x)).sum();
    let sb: f64 = rb.values().map(|x| c2(*x)).sum();
    let expected = sa * sb / c2(n as u64);
    let max = (sa + sb) / 2.0;
    if (max - expected).abs() < f64::EPSILON {
        return 1.0;
    }
    (index - expected) / (max - expected)
}

/// Purity: the share of items whose found topic's majority gold label is their own.
pub fn purity(found: &[usize], gold: &[usize]) -> f64 {
    let n = found.len().min(gold.len());
    if n == 0 {
        return 1.0;
    }
    let mut table: HashMap<usize, HashMap<usize, usize>> = HashMap::default();
    for i in 0..n {
        *table
            .entry(found[i])
            .or_default()
            .entry(gold[i])
            .or_insert(0) += 1;
    }
    let hits: usize = table
        .values()
        .map(|m| m.values().copied().max().unwrap_or(0))
        .sum();
    hits as f64 / n as f64
}
