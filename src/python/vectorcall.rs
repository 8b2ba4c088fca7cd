//! `TOTP(s, ...)`: the class called with `__init__`'s own arguments builds its object in one step.
//!
//! Calling a class goes through `type.__call__`, which packs the arguments into a tuple (and
//! keywords into a dict), calls `__new__` and then `__init__` (PyO3 binds the arguments of
//! each), and releases them: a third of a one-shot `TOTP(s).at(t)`. CPython calls a type
//! through the `tp_vectorcall` field of the type object when it is set; PyO3 leaves it empty.
//! It is set here, when the extension loads, to a function that binds the secret and
//! `__init__`'s keywords itself and builds the object initialised in place (as `parse_uri`
//! does), with `__init__`'s checks in their order. Every other call goes to `type.__call__`
//! itself, so that a subclass, a call PyO3's binding refuses (its error), or a `__new__` or
//! `__init__` assigned to the class later behaves as before.
//!
//! The stable ABI hides the type object's fields, so their offsets are those of CPython's
//! 64-bit `PyTypeObject` (the same from 3.10 to 3.13, where this was run); the field is set
//! only after the offsets are checked against what `PyType_GetSlot` and `type` itself report,
//! and otherwise left alone (the class is then called as before).

use super::arg::Arg;
use super::fastcall::{classic_arguments, run};
use super::totp::Totp;
use pyo3::exceptions::PyRuntimeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyString, PyTuple};
use std::ffi::c_void;

/// Offsets of `PyTypeObject` fields, in bytes, on a 64-bit CPython.
const TP_VECTORCALL_OFFSET: usize = 56;
const TP_CALL: usize = 128;
const TP_INIT: usize = 296;
const TP_NEW: usize = 312;
const TP_VECTORCALL: usize = 400;

/// `Py_TPFLAGS_HAVE_VECTORCALL`: the type's objects are called through a vectorcall field.
const HAVE_VECTORCALL: std::ffi::c_ulong = 1 << 11;

/// `PY_VECTORCALL_ARGUMENTS_OFFSET`: a flag in the vectorcall's argument count.
const ARGUMENTS_OFFSET: usize = 1 << (usize::BITS - 1);

/// What the fast path checks on each call, recorded when the field is set.
struct Installed {
    /// The `TOTP` type object.
    class: usize,
    /// `TOTP`'s `tp_new` and `tp_init` as PyO3 made them (a class attribute assigned later
    /// replaces them).
    new: usize,
    init: usize,
    /// `type.__call__`, which every other call goes to.
    type_call: ffi::ternaryfunc,
}

static INSTALLED: PyOnceLock<Installed> = PyOnceLock::new();

/// The pointer-sized field at `offset` in a type object.
///
/// # Safety
/// `ty` is a live type object and `offset` one of a pointer field of `PyTypeObject`.
unsafe fn field(ty: *mut ffi::PyTypeObject, offset: usize) -> *mut *mut c_void {
    // SAFETY: the caller's contract: the field lies inside the type object.
    unsafe { ty.cast::<u8>().add(offset).cast() }
}

/// The parameters of `TOTP.__init__`, in its order.
const PARAMETERS: [&str; 7] = [
    "s",
    "digits",
    "digest",
    "name",
    "issuer",
    "interval",
    "allow_short_secret",
];

/// A call's arguments bound to `TOTP.__init__`'s parameters.
struct Arguments<'a, 'py> {
    s: Borrowed<'a, 'py, PyAny>,
    /// `digits`, `digest`, `name`, `issuer` and `interval`, when given.
    keywords: [Option<Borrowed<'a, 'py, PyAny>>; 5],
    allow_short_secret: bool,
}

impl<'a, 'py> Arguments<'a, 'py> {
    /// Binds the secret, given by position or keyword, and the keywords of `__init__`; `None`
    /// for any other call (more positional arguments, an unknown or repeated keyword, no
    /// secret, an `allow_short_secret` that is not a bool), which PyO3's binding then refuses
    /// with its own error.
    ///
    /// # Safety
    /// The vectorcall arguments CPython passed: `nargs` positional values, then one value per
    /// name in the `kwnames` tuple (NULL when there are none), alive for the call.
    unsafe fn bind(
        py: Python<'py>,
        args: *const *mut ffi::PyObject,
        nargs: usize,
        kwnames: *mut ffi::PyObject,
    ) -> Option<Self> {
        if nargs > 1 {
            return None;
        }
        let mut values = [None; PARAMETERS.len()];
        // SAFETY: the caller's contract: `args[i]` is the `i`th value, positional then keyword.
        let value = |i: usize| unsafe { Borrowed::from_ptr(py, *args.add(i)) };
        if nargs == 1 {
            values[0] = Some(value(0));
        }
        // SAFETY: the caller's contract: a non-null `kwnames` is the tuple of keyword names.
        if let Some(names) = unsafe { Borrowed::from_ptr_or_opt(py, kwnames) } {
            // SAFETY: as above, a tuple.
            let names = unsafe { names.cast_unchecked::<PyTuple>() };
            for (i, name) in names.iter().enumerate() {
                let name = name.cast_into::<PyString>().ok()?;
                let name = name.to_str().ok()?;
                let slot = PARAMETERS.iter().position(|p| *p == name)?;
                if values[slot].is_some() {
                    return None;
                }
                values[slot] = Some(value(nargs + i));
            }
        }
        let [s, digits, digest, name, issuer, interval, allow] = values;
        let allow_short_secret = match allow {
            None => false,
            Some(allow) => allow.cast::<PyBool>().ok()?.is_true(),
        };
        Some(Self {
            s: s?,
            keywords: [digits, digest, name, issuer, interval],
            allow_short_secret,
        })
    }

    /// The new object, as `TOTP.__new__` and `TOTP.__init__` make it.
    fn create(self) -> PyResult<Bound<'py, Totp>> {
        let [digits, digest, name, issuer, interval] = self.keywords;
        let given = |value: Option<Borrowed<'a, 'py, PyAny>>| {
            value.filter(|v| !v.is_none()).map(|v| v.to_owned())
        };
        let arg = |value: Option<Borrowed<'a, 'py, PyAny>>, default| match value {
            Some(v) => Arg::Given(v.to_owned()),
            None => Arg::Default(default),
        };
        Totp::create(
            &self.s.to_owned(),
            arg(digits, 6),
            given(digest),
            given(name),
            given(issuer),
            arg(interval, 30),
            self.allow_short_secret,
        )
    }
}

/// `TOTP`'s `tp_vectorcall`: `TOTP(s, ...)` built in place; any other call to `type.__call__`.
unsafe extern "C" fn totp_vectorcall(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    let nargs = nargsf & !ARGUMENTS_OFFSET;
    // SAFETY: CPython calls this with the thread attached, `callable` the type whose field
    // holds this function (or a subclass that inherited it), and the vectorcall arguments:
    // `nargs` positional values, then one value per name in `kwnames` (NULL when none).
    unsafe {
        run(|py| {
            let installed = INSTALLED
                .get(py)
                .ok_or_else(|| PyRuntimeError::new_err("TOTP's vectorcall is not installed"))?;
            let ty = callable.cast::<ffi::PyTypeObject>();
            if callable as usize == installed.class
                && *field(ty, TP_NEW) as usize == installed.new
                && *field(ty, TP_INIT) as usize == installed.init
            {
                if let Some(arguments) = Arguments::bind(py, args, nargs, kwnames) {
                    return Ok(arguments.create()?.into_any());
                }
            }
            let (positional, keywords) =
                classic_arguments(py, None, args, nargs as ffi::Py_ssize_t, kwnames)?;
            let keywords = keywords
                .as_ref()
                .map_or(std::ptr::null_mut(), |k| k.as_ptr());
            Bound::from_owned_ptr_or_err(
                py,
                (installed.type_call)(callable, positional.as_ptr(), keywords),
            )
        })
    }
}

/// Sets `TOTP`'s `tp_vectorcall` (once, when the extension loads), if the type objects'
/// layout is the one expected; otherwise `TOTP` stays with `type.__call__`.
pub(super) fn install(py: Python<'_>) {
    if usize::BITS != 64 {
        return;
    }
    let class = py.get_type::<Totp>().as_type_ptr();
    let meta = std::ptr::addr_of_mut!(ffi::PyType_Type);
    // SAFETY: both are live type objects; the fields read are read only after `type`'s own
    // `tp_vectorcall_offset` (read at its offset, unchanged since 3.8) says where
    // `tp_vectorcall` is, and each slot read at its offset is compared with `PyType_GetSlot`.
    unsafe {
        let slot = |ty, id| ffi::PyType_GetSlot(ty, id);
        let type_call = slot(meta, ffi::Py_tp_call);
        let laid_out = ffi::PyType_GetFlags(meta) & HAVE_VECTORCALL != 0
            && *field(meta, TP_VECTORCALL_OFFSET) as usize == TP_VECTORCALL
            && *field(meta, TP_CALL) == type_call
            && !type_call.is_null()
            && *field(class, TP_NEW) == slot(class, ffi::Py_tp_new)
            && *field(class, TP_INIT) == slot(class, ffi::Py_tp_init)
            && !(*field(class, TP_INIT)).is_null()
            && (*field(class, TP_VECTORCALL)).is_null();
        if !laid_out {
            return;
        }
        let installed = Installed {
            class: class as usize,
            new: *field(class, TP_NEW) as usize,
            init: *field(class, TP_INIT) as usize,
            type_call: std::mem::transmute::<*mut c_void, ffi::ternaryfunc>(type_call),
        };
        if INSTALLED.set(py, installed).is_ok() {
            let vectorcall: ffi::vectorcallfunc = totp_vectorcall;
            *field(class, TP_VECTORCALL) = vectorcall as *mut c_void;
        }
    }
}
