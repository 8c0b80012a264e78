// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The kernel transport of the user-mode VMM ABI: /dev/tdsnp (a misc device)
 * in front of the dispatcher (vmm-core/uabi.c).  Opening the device gives
 * the device handle; every object handle is a file descriptor of an
 * anonymous inode whose file holds one reference to the object, so closing
 * a descriptor while a call on it runs is safe (the call's fget holds the
 * file) and mmap'ed run pages, event areas and physmem windows keep their
 * object until unmapped.  Calls are ioctls (include/uapi/tdsnp.h);
 * WAIT_FOR_EVENT sleeps interruptibly (uabi_cv_wait()).
 *
 * The module that brings the platform up (registers the backends) creates
 * the device with uabi_chardev_register() and the VM indices it offers.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <vmm/uabi.h>

/**
 * struct uabi_chardev - /dev/tdsnp and the device behind it
 * @misc: the misc device
 * @dev: the dispatcher's device
 * @open: device files open
 */
struct uabi_chardev {
	struct miscdevice misc;
	struct uabi_dev *dev;
	atomic_t open;
};

static struct uabi_chardev *the_chardev;
static DEFINE_MUTEX(chardev_lock);

static const struct file_operations uabi_fops;

static const char *const obj_name[] = {
	[TDSNP_HANDLE_VM] = "tdsnp-vm",
	[TDSNP_HANDLE_VCPU] = "tdsnp-vcpu",
	[TDSNP_HANDLE_EVENT] = "tdsnp-event",
	[TDSNP_HANDLE_PHYSMEM] = "tdsnp-physmem",
};

static int fd_get(void *ctx, s32 handle, u32 type, struct uabi_obj **obj)
{
	struct file *f;
	struct uabi_obj *o;
	int ret = -EBADF;

	if (handle < 0)
		return -EBADF;
	f = fget(handle);
	if (!f)
		return -EBADF;
	o = f->private_data;
	if (f->f_op == &uabi_fops && (!type || o->type == type)) {
		uabi_obj_get(o);
		*obj = o;
		ret = 0;
	}
	fput(f);
	return ret;
}

static int fd_reserve(void *ctx)
{
	return get_unused_fd_flags(O_CLOEXEC);
}

static int fd_commit(void *ctx, s32 handle, struct uabi_obj *obj)
{
	struct file *f = anon_inode_getfile(obj_name[obj->type], &uabi_fops, obj, O_RDWR);

	if (IS_ERR(f)) {
		put_unused_fd(handle);
		return PTR_ERR(f);
	}
	fd_install(handle, f);
	return 0;
}

static void fd_cancel(void *ctx, s32 handle)
{
	put_unused_fd(handle);
}

static const struct uabi_caller_ops fd_ops = {
	.get = fd_get,
	.reserve = fd_reserve,
	.commit = fd_commit,
	.cancel = fd_cancel,
};

static int uabi_open(struct inode *inode, struct file *file)
{
	struct uabi_chardev *cd = container_of(file->private_data, struct uabi_chardev, misc);

	atomic_inc(&cd->open);
	file->private_data = uabi_dev_obj(cd->dev);
	return 0;
}

static int uabi_release(struct inode *inode, struct file *file)
{
	struct uabi_obj *obj = file->private_data;

	if (obj->type == TDSNP_HANDLE_DEV) {
		atomic_dec(&the_chardev->open);
		return 0;
	}
	uabi_obj_close(obj);
	uabi_obj_put(obj);
	return 0;
}

static long uabi_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct uabi_caller caller = { .ops = &fd_ops };
	unsigned int nr = _IOC_NR(cmd);

	/* Direction and size must match the call's command exactly. */
	if (_IOC_TYPE(cmd) != TDSNP_IOC_MAGIC || !nr || nr >= TDSNP_NR_CALLS ||
	    tdsnp_call_ioctl(nr) != cmd)
		return -ENOTTY;
	return uabi_call(&caller, file->private_data, nr, arg);
}

static int uabi_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct uabi_obj *obj = file->private_data;
	unsigned long addr;
	void *page;
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	int ret;

	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE, off += PAGE_SIZE) {
		ret = uabi_obj_map(obj, off, &page);
		if (!ret)
			ret = vm_insert_page(vma, addr, virt_to_page(page));
		if (ret)
			return ret;
	}
	return 0;
}

static const struct file_operations uabi_fops = {
	.owner = THIS_MODULE,
	.open = uabi_open,
	.release = uabi_release,
	.unlocked_ioctl = uabi_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = uabi_mmap,
	.llseek = noop_llseek,
};

/**
 * uabi_chardev_register() - create /dev/tdsnp offering the VM indices of @cfg
 * @cfg: the device's slots, platform bits and ACCESS_* channel
 * @out: the character device, for uabi_chardev_unregister()
 *
 * Return: 0, -EBUSY when /dev/tdsnp exists already, or the errno of
 * creating the device.
 */
int uabi_chardev_register(const struct uabi_dev_config *cfg, struct uabi_chardev **out)
{
	struct uabi_chardev *cd;
	int ret;

	mutex_lock(&chardev_lock);
	ret = the_chardev ? -EBUSY : 0;
	cd = ret ? NULL : kzalloc(sizeof(*cd), GFP_KERNEL);
	if (!ret && !cd)
		ret = -ENOMEM;
	if (!ret)
		ret = uabi_dev_create(cfg, &cd->dev);
	if (!ret) {
		cd->misc.minor = MISC_DYNAMIC_MINOR;
		cd->misc.name = "tdsnp";
		cd->misc.fops = &uabi_fops;
		cd->misc.mode = 0600;
		the_chardev = cd;
		ret = misc_register(&cd->misc);
		if (ret) {
			the_chardev = NULL;
			uabi_dev_destroy(cd->dev);
		}
	}
	if (ret)
		kfree(cd);
	else
		*out = cd;
	mutex_unlock(&chardev_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(uabi_chardev_register);

/**
 * uabi_chardev_unregister() - remove /dev/tdsnp
 * @cd: from uabi_chardev_register()
 *
 * Return: 0, or -EBUSY (nothing removed) while a file of it is open or
 * any object of it is alive.
 */
int uabi_chardev_unregister(struct uabi_chardev *cd)
{
	int ret = 0;

	mutex_lock(&chardev_lock);
	if (atomic_read(&cd->open) || uabi_dev_live(cd->dev))
		ret = -EBUSY;
	if (!ret) {
		misc_deregister(&cd->misc);
		uabi_dev_destroy(cd->dev);
		the_chardev = NULL;
		kfree(cd);
	}
	mutex_unlock(&chardev_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(uabi_chardev_unregister);
